import type { Architecture } from "../settings/instance-types";

/**
 * The sha256 pins this project ships for what the boot script downloads, per version and CPU
 * architecture. A pin is checked besides the publisher's checksum file: that file comes from the
 * same origin as the archive, so it only catches corruption; the pin, which travels in the user
 * data, catches a changed archive (a compromised origin or mirror). `downloads.<x>Sha256` in the
 * settings overrides a shipped pin (a private mirror that serves other bytes, a test harness).
 * A version without an entry here is verified against the publisher's checksum file alone.
 * NEVER add a value that was not read from the publisher's checksum file.
 */
export interface ShippedPins {
  /** Node.js `node-v<V>-linux-<x64|arm64>.tar.xz` by version. */
  readonly node: Readonly<Record<string, Partial<Record<Architecture, string>>>>;
  /** Traefik `traefik_v<V>_linux_<amd64|arm64>.tar.gz` by version. */
  readonly traefik: Readonly<Record<string, Partial<Record<Architecture, string>>>>;
  /** The Debian SSM agent package (`<version>/debian_<amd64|arm64>/amazon-ssm-agent.deb`). */
  readonly ssmAgent: { readonly version: string; readonly sha256: Partial<Record<Architecture, string>> };
}

export const SHIPPED_PINS: ShippedPins = {
  node: {
    // From https://nodejs.org/dist/v24.21.0/SHASUMS256.txt, as quoted by several independent public
    // repositories that pinned it after their own download (searched 2026-11-30; all agree).
    "24.21.0": {
      x86_64: "fd8e59d5a511510f6a298afb548f18c7d2b1be404d8b4a27d94fbe49f56cb2d6",
      arm64: "6ad1325edbdb5649c379b75a237147a666c95d4f9ae8d340fef2d1575d289ad2",
    },
  },
  // traefik_v3.7.9_checksums.txt could not be found in any searchable source (2026-11-30): no pin
  // is shipped for Traefik; add one from the release's checksums file (both architectures).
  traefik: {},
  ssmAgent: {
    // AWS serves each agent release under a version path besides latest/ (the same layout as
    // `<base>/latest/debian_<arch>/amazon-ssm-agent.deb`). 3.3.4624.0 is a release AWS itself pins
    // in its ECS AMIs (aws/amazon-ecs-ami#729, 2026-06-24). AWS publishes no checksum file for the
    // .deb and none was found: no sha256 is shipped (HTTPS from AWS is what vouches for it).
    version: "3.3.4624.0",
    sha256: {},
  },
};

/** The shipped pin of a Node.js release for an architecture, or undefined. */
export const shippedNodePin = (version: string, arch: Architecture): string | undefined => SHIPPED_PINS.node[version]?.[arch];

/** The shipped pin of a Traefik release for an architecture, or undefined. */
export const shippedTraefikPin = (version: string, arch: Architecture): string | undefined => SHIPPED_PINS.traefik[version]?.[arch];

/** The shipped pin of the SSM agent package for an architecture, or undefined. */
export const shippedSsmAgentPin = (arch: Architecture): string | undefined => SHIPPED_PINS.ssmAgent.sha256[arch];

/** What a download is checked against beyond the publisher's checksum file: the settings' pin, else the shipped one. */
export interface DownloadPins {
  node?: string;
  traefik?: string;
  ssmAgent?: string;
}

/** The pins that apply to one stack: `downloads.<x>Sha256` when set, else the shipped pin for its versions and architecture. */
export function downloadPins(
  s: { versions: { node: string; traefik: string }; downloads: { nodeSha256?: string; traefikSha256?: string; ssmAgentSha256?: string } },
  arch: Architecture,
): DownloadPins {
  return {
    node: s.downloads.nodeSha256 ?? shippedNodePin(s.versions.node, arch),
    traefik: s.downloads.traefikSha256 ?? shippedTraefikPin(s.versions.traefik, arch),
    ssmAgent: s.downloads.ssmAgentSha256 ?? shippedSsmAgentPin(arch),
  };
}
