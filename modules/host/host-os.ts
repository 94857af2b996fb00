import type { Architecture } from "../settings/instance-types";
import type { HostOs } from "../settings/settings";

/**
 * Everything that differs between the supported host operating systems, in one place.
 * The rest of the boot script and the stack are written once for all of them.
 */
export interface HostOsProfile {
  /** SSM public parameter holding the latest AMI id for the architecture. */
  amiParameter(arch: Architecture): string;
  /** Root device name of the AMI. */
  rootDeviceName: string;
  /** Shell command that installs OS packages given as words appended to it. */
  installPackages: string;
  /** Shell command run once before installing, when anything is missing (refreshes the package index). */
  refreshPackageIndex?: string;
  /**
   * bash run first in the packages step (every boot, for the host's later apt use too): points the
   * image's package sources at HTTPS, because the host's security group allows no egress but 443.
   */
  packageSourcesOverHttps?: string;
  /**
   * Commands the boot script and the host tools need → the package that provides each one.
   * A package is installed only when its command is missing (a test VM boots offline).
   * AL2023 ships the AWS CLI v2, so only Debian lists `aws`.
   */
  requiredCommands: Readonly<Record<string, string>>;
  /** Login shell of the service users (no interactive login). */
  nologinShell: string;
  /**
   * When the image lacks the SSM agent (Run Command, Session Manager): the package's path under
   * `downloads.ssmAgentBaseUrl` and the command that installs a local package file. AL2023 ships it.
   */
  ssmAgent?: { packagePath(arch: Architecture, version: string): string; installPackageFile: string };
}

/** Commands both OSes need, with the package that provides them on a Red Hat–style and a Debian system. */
const COMMON_COMMANDS = ["curl", "tar", "xz", "sha256sum", "cmp", "awk", "jq", "blkid", "mkfs.ext4", "mountpoint", "setpriv", "useradd",
  "blockdev", "dumpe2fs", "resize2fs", "fallocate", "mkswap", "swapon", "nft", "openssl"] as const;

/**
 * Debian's AMIs (cloud.debian.org) point apt at http:// mirrors (deb.debian.org, its AWS CloudFront
 * name cdn-aws.deb.debian.org, security.debian.org), in one-line (.list), deb822 (.sources) or apt
 * mirror-list files; port 80 is closed by the security group. Debian 12's apt speaks HTTPS natively
 * (apt >= 1.5, no apt-transport-https) and these hosts serve the same archive over HTTPS.
 */
export const APT_SOURCES_OVER_HTTPS = `for list in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources /etc/apt/mirrors/*.list; do
  if [ -f "$list" ] && grep -qE 'http://((cdn-aws\\.)?deb|security)\\.debian\\.org' "$list"; then
    sed -i -E 's#http://(((cdn-aws\\.)?deb|security)\\.debian\\.org)#https://\\1#g' "$list"
    log "apt sources in $list now use HTTPS (only port 443 is open)"
  fi
done`;

export const HOST_OS_PROFILES: Readonly<Record<HostOs, HostOsProfile>> = {
  al2023: {
    amiParameter: (arch) => `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`,
    rootDeviceName: "/dev/xvda",
    installPackages: "dnf install -y -q",
    requiredCommands: packagesFor({
      curl: "curl-minimal", tar: "tar", xz: "xz", sha256sum: "coreutils", cmp: "diffutils", awk: "gawk", jq: "jq", blkid: "util-linux",
      "mkfs.ext4": "e2fsprogs", mountpoint: "util-linux", setpriv: "util-linux", useradd: "shadow-utils",
      blockdev: "util-linux", dumpe2fs: "e2fsprogs", resize2fs: "e2fsprogs", fallocate: "util-linux", mkswap: "util-linux", swapon: "util-linux",
      // The metadata service's firewall (modules/host/units.ts imdsFirewallRules); AL2023 and Debian both package nftables.
      nft: "nftables",
      // The certificate guard (s_client) and the dashboard document (pkeyutl, modules/ops/sealed.ts).
      openssl: "openssl",
    }),
    nologinShell: "/sbin/nologin",
  },
  debian12: {
    amiParameter: (arch) => `/aws/service/debian/release/bookworm/latest/${arch === "arm64" ? "arm64" : "amd64"}`,
    rootDeviceName: "/dev/xvda",
    installPackages: "DEBIAN_FRONTEND=noninteractive apt-get install -y -q",
    refreshPackageIndex: "DEBIAN_FRONTEND=noninteractive apt-get update -q",
    packageSourcesOverHttps: APT_SOURCES_OVER_HTTPS,
    requiredCommands: {
      ...packagesFor({
        curl: "curl", tar: "tar", xz: "xz-utils", sha256sum: "coreutils", cmp: "diffutils", awk: "mawk", jq: "jq", blkid: "util-linux",
        "mkfs.ext4": "e2fsprogs", mountpoint: "util-linux", setpriv: "util-linux", useradd: "passwd",
        blockdev: "util-linux", dumpe2fs: "e2fsprogs", resize2fs: "e2fsprogs", fallocate: "util-linux", mkswap: "util-linux", swapon: "mount",
        nft: "nftables",
        openssl: "openssl",
      }),
      aws: "awscli",
      "update-ca-certificates": "ca-certificates",
    },
    nologinShell: "/usr/sbin/nologin",
    // Debian's AMIs do not include the agent and Debian does not package it: AWS publishes a .deb.
    ssmAgent: {
      packagePath: (arch, version) => `${version}/debian_${arch === "arm64" ? "arm64" : "amd64"}/amazon-ssm-agent.deb`,
      installPackageFile: "DEBIAN_FRONTEND=noninteractive dpkg -i",
    },
  },
};

/** Makes the compiler check that every common command has a package on this OS. */
function packagesFor(map: Record<(typeof COMMON_COMMANDS)[number], string>): Record<string, string> {
  return map;
}

/** The Node.js / Traefik archive name for an architecture. */
export const nodeArch = (arch: Architecture): string => (arch === "arm64" ? "arm64" : "x64");
export const traefikArch = (arch: Architecture): string => (arch === "arm64" ? "arm64" : "amd64");
