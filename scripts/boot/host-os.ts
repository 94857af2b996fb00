import type { Architecture } from "../../modules/instance-types";
import type { HostOs } from "../../modules/settings";

/**
 * Everything that differs between the supported host operating systems, in one place.
 * The rest of the boot script and the stack are written once for all of them.
 */
export interface HostOsProfile {
  /** SSM public parameter holding the latest AMI id for the architecture. */
  amiParameter(arch: Architecture): string;
  /** Root device name of the AMI. */
  rootDeviceName: string;
  /** Shell command that installs OS packages given as "$@"-style words appended to it. */
  installPackages: string;
  /** Packages the boot script needs beyond the base image (curl, tar, xz, mkfs.ext4, aws CLI…). */
  packages: string[];
  /** Command that prints "ok" when the AWS CLI is usable, else installs it (AL2023 ships it). */
  awsCli: "preinstalled" | "package";
}

export const HOST_OS_PROFILES: Readonly<Record<HostOs, HostOsProfile>> = {
  al2023: {
    amiParameter: (arch) => `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`,
    rootDeviceName: "/dev/xvda",
    installPackages: "dnf install -y -q",
    packages: ["tar", "xz", "e2fsprogs", "util-linux", "jq"],
    awsCli: "preinstalled",
  },
  debian12: {
    amiParameter: (arch) => `/aws/service/debian/release/bookworm/latest/${arch === "arm64" ? "arm64" : "amd64"}`,
    rootDeviceName: "/dev/xvda",
    installPackages: "DEBIAN_FRONTEND=noninteractive apt-get install -y -q",
    packages: ["curl", "ca-certificates", "tar", "xz-utils", "e2fsprogs", "util-linux", "jq", "awscli"],
    awsCli: "package",
  },
};

/** The Node.js / Traefik archive name for an architecture. */
export const nodeArch = (arch: Architecture): string => (arch === "arm64" ? "arm64" : "x64");
export const traefikArch = (arch: Architecture): string => (arch === "arm64" ? "arm64" : "amd64");
