import { architectureOf, Architecture, instanceTypeProblem } from "./instance-types";
import { AWS_REGIONS, isAwsRegion, REGIONS_AS_OF } from "./aws-regions";
import { crossEnvironmentProblems, environmentRuleProblems } from "./rules";
import { describeStateLocation, StateLocation, stateInBuildOutputProblem, stateLocation } from "./state";
import { downloadPins, openclawLock } from "../host/pins";
import { HOST_OS_PROFILES } from "../host/host-os";
import { didYouMean } from "./did-you-mean";
import { mergeOverlay } from "../openclaw/merge";
import { overlayProblems } from "../openclaw/overlay";
import { DEFAULT_MODEL, modelProblem } from "../openclaw/providers";
import { DEFAULT_TOOL_POLICY, isToolPolicy, TOOL_POLICIES, ToolPolicy } from "../openclaw/tool-policy";

/** Host operating systems the boot script supports. */
export const HOST_OPERATING_SYSTEMS = ["al2023", "debian12"] as const;
export type HostOs = (typeof HOST_OPERATING_SYSTEMS)[number];

/** The allowed key a misspelled one most likely meant (modules/settings/did-you-mean.ts). */
export { didYouMean };

/** Commercial AWS regions this project accepts: the dated table in modules/settings/aws-regions.ts. */
export { AWS_REGIONS };

/** Where Terraform keeps the stack's state. */
export type StateBackendSettings =
  | {
      /** Local state file (the default). */
      type: "local";
      /**
       * State file path, relative to the project root (the folder with cdktf.json), not to terraform's working
       * folder cdktf.out/stacks/<stack>/; an absolute path is used as is. @default "terraform.<environment>.tfstate"
       */
      path?: string;
    }
  | {
      /** S3 state with S3-native locking (`use_lockfile`). */
      type: "s3";
      /** Existing bucket that holds the state (S3 bucket naming rules: 3–63 characters, not IP-shaped, no `xn--`/`sthree-` prefix, …). */
      bucket: string;
      /** Object key of the state file; no leading or trailing `/`. @default "openclaw-aws/<environment>.tfstate" */
      key?: string;
      /** Region of the bucket. @default the stack's region */
      region?: string;
    };

/** Pinned versions of what the boot script installs. */
export interface VersionSettings {
  /** openclaw npm package version (exact, `YYYY.M.D`). @default "2026.9.6" */
  openclaw: string;
  /** Node.js release (exact, must satisfy openclaw's engines: >=24.16.0 <25 or >=26.1.0). @default "24.21.0" */
  node: string;
  /** Traefik v3 release (exact). @default "3.7.9" */
  traefik: string;
}

/** Where the boot script downloads from (change these for a private mirror). */
export interface DownloadSettings {
  /** Base URL of the Node.js release archive (`<base>/v<version>/SHASUMS256.txt`). @default "https://nodejs.org/dist" */
  nodeBaseUrl: string;
  /** Base URL of Traefik releases (`<base>/v<version>/traefik_v<version>_checksums.txt`). @default "https://github.com/traefik/traefik/releases/download" */
  traefikBaseUrl: string;
  /** npm registry that openclaw is installed from. @default "https://registry.npmjs.org/" */
  npmRegistry: string;
  /**
   * Where hosts whose image lacks the SSM agent (Debian) get it: `<base>/<version>/debian_<amd64|arm64>/amazon-ssm-agent.deb`,
   * the version pinned in modules/host/pins.ts. @default "https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent"
   */
  ssmAgentBaseUrl: string;
  /**
   * sha256 pin of the Node archive for this stack's architecture, checked besides SHASUMS256.txt. An `http://`
   * nodeBaseUrl needs a pin. @default the pin modules/host/pins.ts ships for versions.node (none for other versions)
   */
  nodeSha256?: string;
  /**
   * sha256 pin of the Traefik archive for this stack's architecture, checked besides the checksums file. An `http://`
   * traefikBaseUrl needs a pin. @default the pin modules/host/pins.ts ships for versions.traefik (none for other versions)
   */
  traefikSha256?: string;
  /** sha256 pin of the SSM agent package (Debian) for this stack's architecture. An `http://` ssmAgentBaseUrl needs a pin. @default the pin modules/host/pins.ts ships (none today) */
  ssmAgentSha256?: string;
}

/**
 * When the host replaces itself because the gateway stays unhealthy. A check is one GET of /healthz
 * bounded by WATCHDOG_GET_TIMEOUT_SECONDS. Detection takes about `intervalSeconds ×
 * failuresBeforeReplacement`; a healthy gateway is reported (a false positive, costing one replacement)
 * only if it stalls longer than `toleratedStallSeconds` = `intervalSeconds × (failuresBeforeReplacement − 1)`
 * + the GET timeout, which must be at least MIN_TOLERATED_STALL_SECONDS (modules/settings/rules.ts).
 */
export interface WatchdogSettings {
  /** Seconds between two `/healthz` checks. @default 15 */
  intervalSeconds: number;
  /**
   * Consecutive failed checks before the instance marks itself Unhealthy and the ASG replaces it.
   * `intervalSeconds × (failuresBeforeReplacement − 1) + 10` (the stall a healthy gateway may have
   * without being replaced) must be at least 60 s. @default 5
   */
  failuresBeforeReplacement: number;
}

/**
 * openclaw's own backup archives on the data volume (modules/host/backup.ts): `openclaw backup create
 * --verify` every day at 02:30 UTC, before the daily snapshot, so each snapshot carries a consistent archive.
 */
export interface BackupSettings {
  /** Archives kept on the data volume (1–60); older ones are deleted after each new one. @default 7 */
  keep: number;
}

/** Every setting of one environment (one stack), after defaults were applied. */
export interface GatewaySettings {
  /** Environment name; names the stack and prefixes every resource. Lowercase letters, digits, hyphens; 1–20 characters. Required. */
  environment: string;
  /** AWS commercial region (the dated table in modules/settings/aws-regions.ts). @default "us-east-1" */
  region: string;
  /** Availability zone of the subnet, the host and the data volume; a zone the region has. @default "<region>a" */
  availabilityZone: string;
  /**
   * Public DNS name of the gateway; Traefik gets its certificate for it, so it must be under a public suffix
   * (not `.internal`, `.local`, `.test`, …). A name under example.com/.net/.org synthesizes with a warning;
   * plan and deploy refuse it. Required.
   */
  domainName: string;
  /** E-mail address registered with Let's Encrypt. One at example.com/.net/.org synthesizes with a warning; plan and deploy refuse it. Required. */
  acmeEmail: string;
  /** EC2 instance type; the CPU architecture (arm64 for Graviton) follows from it. @default "t4g.small" */
  instanceType: string;
  /** Host operating system: "al2023" (Amazon Linux 2023) or "debian12" (Debian 12 bookworm). @default "al2023" */
  hostOs: HostOs;
  /** Size of the persistent gp3 data volume in GiB (8–1024). @default 20 */
  dataVolumeSizeGiB: number;
  /** Daily snapshots of the data volume to keep (1–365). @default 7 */
  snapshotRetentionCount: number;
  /** IPv4 CIDR of the VPC (/16–/24) inside RFC 1918 (10/8, 172.16/12, 192.168/16), not overlapping 172.17.0.0/16. The public subnet is its first /24. @default "10.42.0.0/16" */
  vpcCidr: string;
  /**
   * IPv4 CIDRs allowed to reach the gateway on 443: at most 60 (one security group rule each), none twice or inside
   * another. Without hostedZoneId it must include "0.0.0.0/0" (Let's Encrypt's TLS-ALPN-01 validation comes from
   * undisclosed addresses). @default ["0.0.0.0/0"]
   */
  allowedCidrs: string[];
  /** Pinned versions of openclaw, Node.js and Traefik. */
  versions: VersionSettings;
  /** Download locations and optional checksum pins. */
  downloads: DownloadSettings;
  /** Health watchdog that lets the ASG replace a broken host. */
  watchdog: WatchdogSettings;
  /** Daily openclaw backup archives on the data volume. */
  backups: BackupSettings;
  /**
   * Route53 hosted zone id; when set, an A record for domainName points at the Elastic IP and Traefik
   * proves the domain to Let's Encrypt with DNS-01 in this zone (the host may change only the
   * `_acme-challenge.<domainName>` TXT record), so `allowedCidrs` may be narrowed. Without it the
   * challenge is TLS-ALPN-01 on 443, which Let's Encrypt sends from undisclosed addresses: then
   * `allowedCidrs` must include 0.0.0.0/0. @default none
   */
  hostedZoneId?: string;
  /**
   * ACME directory Traefik asks for certificates: "production" (Let's Encrypt), "staging" (Let's
   * Encrypt's staging CA: untrusted certificates, far higher rate limits; for trials), or the https URL
   * of another ACME directory. @default "production"
   */
  acmeDirectory: string;
  /**
   * Longest wait in seconds, before Traefik first starts, for domainName to resolve to this host's
   * public address (10–1800); on timeout the boot goes on and openclaw-cert-guard retries the
   * certificate once DNS is right. @default 600
   */
  dnsWaitSeconds: number;
  /**
   * When the host is replaced by one from the newest AMI (OS security updates; a few minutes of downtime): an
   * EventBridge Scheduler expression `cron(minute hour ? * days *)`, days `*` or `MON`–`SUN` (lists, ranges), so
   * at least weekly. @default "cron(0 4 ? * SUN *)"
   */
  maintenanceWindow: string;
  /** IANA time zone of maintenanceWindow, e.g. "Europe/Berlin". @default "UTC" */
  maintenanceTimeZone: string;
  /**
   * Extra tags for every resource: at most 44 (AWS allows 50 per resource, this project adds up to 6); keys of
   * 1–128 and values of 0–256 letters, digits, spaces and `_ . : / = + - @`; no `aws:` or `openclaw:` keys, no
   * `Name` or `managed-by`. @default {}
   */
  tags: Record<string, string>;
  /**
   * E-mail addresses the environment's alerts go to (modules/constructs/alerts.ts: Auto Scaling launches
   * and terminations, the alarms of docs/operating.md "Alerts"): each gets an SNS e-mail subscription,
   * which AWS asks it to confirm. At most 10, none twice. With an address the stack also has its
   * alarms and the host publishes their metrics (billed monthly: README.md#what-it-deploys); empty: the topic
   * and the group's notifications only, without a subscription, no alarm, no host metric. @default []
   */
  alerts: string[];
  /** Terraform state backend. @default { type: "local" } */
  backend: StateBackendSettings;
  /**
   * The agents' primary model as `"<provider>/<model id>"`; the provider also decides memory search's
   * embeddings (docs/settings.md "Model providers"):
   * - `"anthropic/…"`: by the Anthropic API key (`npm run secrets -- set-api-key`); memory search off.
   * - `"openai/…"` (e.g. `"openai/gpt-5.5"`): by the OpenAI API key (`npm run secrets -- set-openai-key`);
   *   memory search with OpenAI's embeddings.
   * - `"amazon-bedrock/…"`: refused at synth; openclaw's Bedrock provider is a plugin the host cannot
   *   install yet (modules/openclaw/providers.ts).
   * @default "anthropic/claude-opus-5"
   */
  model: string;
  /**
   * OpenClaw configuration (keys of openclaw.json) deep-merged over what the project renders: objects merge key by
   * key, arrays and every other value replace. Checked at synth against the config schema of the pinned openclaw;
   * keys the deployment owns (gateway bind, port, auth, origins, …: docs/settings.md "OpenClaw config overlay") and
   * literals that look like secrets are refused: reference a secret of the host's secrets credential, e.g.
   * `{"source":"file","provider":"gateway-credentials","id":"/anthropic-api-key"}`.
   * `defaults.openclaw` merges into each environment's the same way. @default {}
   */
  openclaw: Record<string, unknown>;
  /**
   * What the agent may do on the host, as openclaw's `tools.exec.mode` and `tools.fs.workspaceOnly`
   * (docs/settings.md "What the agent may do"): "approvals" (a shell command not on the allowlist waits for a
   * person's approval in the Control UI or a channel's approval client, denied when nobody answers; file tools
   * only in the agent's workspace), "no-shell" (no shell commands; file tools in the workspace) or "full"
   * (openclaw's own default: shell and files as the openclaw user without asking). @default "approvals"
   */
  toolPolicy: ToolPolicy;
}

/** What a user writes for one environment: everything but the required keys may be left out. */
export type GatewaySettingsInput = Partial<Omit<GatewaySettings, "versions" | "downloads" | "watchdog" | "backups">> & {
  environment: string;
  domainName: string;
  acmeEmail: string;
  versions?: Partial<VersionSettings>;
  downloads?: Partial<DownloadSettings>;
  watchdog?: Partial<WatchdogSettings>;
  backups?: Partial<BackupSettings>;
};

export const DEFAULT_VERSIONS: VersionSettings = { openclaw: "2026.9.6", node: "24.21.0", traefik: "3.7.9" };
export const DEFAULT_DOWNLOADS: DownloadSettings = {
  nodeBaseUrl: "https://nodejs.org/dist",
  traefikBaseUrl: "https://github.com/traefik/traefik/releases/download",
  npmRegistry: "https://registry.npmjs.org/",
  ssmAgentBaseUrl: "https://s3.amazonaws.com/ec2-downloads-windows/SSMAgent",
};
/**
 * 15 s × 5: a dead gateway is reported after 67.5 s on average (75 s at most, 85 s when its GETs hang),
 * and a healthy one only if it stalls for more than 70 s (toleratedStallSeconds), 3.7× the longest
 * stall measured (19 s under TCG emulation; 4.4 s natively under CPU load, modules/settings/rules.ts).
 */
export const DEFAULT_WATCHDOG: WatchdogSettings = { intervalSeconds: 15, failuresBeforeReplacement: 5 };
/** A week of daily archives, as many as the default snapshotRetentionCount keeps snapshots. */
export const DEFAULT_BACKUPS: BackupSettings = { keep: 7 };
/** Seconds one watchdog GET of /healthz may take (curl --max-time) before it counts as a failed check; below the 15 s minimum interval, so checks never overlap. */
export const WATCHDOG_GET_TIMEOUT_SECONDS = 10;

/**
 * The longest a gateway may stop answering without being reported: N consecutive failures need a stall
 * covering the first failed check's start to the last one's timeout, `interval × (N − 1) + GET timeout`
 * (the timer starts each check `interval` after the previous one started, OnUnitActiveSec).
 */
export const toleratedStallSeconds = (w: WatchdogSettings): number =>
  w.intervalSeconds * (w.failuresBeforeReplacement - 1) + WATCHDOG_GET_TIMEOUT_SECONDS;

/** One refused value. Printed as `environment › setting: got <value>; <allowed>`. */
export interface SettingsProblem {
  /** The environment it belongs to; absent for problems of the file itself (syntax, top-level keys, defaults). */
  environment?: string;
  /** Dotted name of the setting (`backend.key`, `allowedCidrs[1]`), or what in the file is wrong (`line 3:14`). */
  setting: string;
  /** The value found (shown as JSON), unless `got` describes it. */
  value: unknown;
  /** What is allowed instead, citing the rule. */
  allowed: string;
  /** What was found, in words, when the value itself cannot be shown (a directory, a missing file). */
  got?: string;
}

/** The value as printed after "got": JSON, cut short when long. */
const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
};

/** One problem as one line, without indentation. */
export const problemLine = (p: SettingsProblem): string =>
  `${p.environment !== undefined ? `${p.environment} › ` : ""}${p.setting}: got ${p.got ?? show(p.value)}; ${p.allowed}`;

/**
 * Thrown when settings are invalid. Carries every problem; the message is the block every entry
 * point prints: the file on the first line, then one line per problem.
 */
export class SettingsError extends Error {
  constructor(readonly problems: SettingsProblem[], readonly source: string) {
    super(`Invalid settings in ${source}:\n${problems.map((p) => `  ${problemLine(p)}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

// ---------------------------------------------------------------- validation helpers

/** Parses a canonical IPv4 CIDR; undefined when malformed or host bits are set. */
export function parseIpv4Cidr(cidr: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  if (match.slice(1, 5).some((o) => o.length > 1 && o.startsWith("0"))) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  if (address % hostBits !== 0) return undefined;
  return { address, prefix };
}

const formatIpv4 = (address: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");

/** The public subnet: the first /24 of the VPC. */
export function subnetCidrOf(vpcCidr: string): string {
  const parsed = parseIpv4Cidr(vpcCidr);
  if (!parsed) throw new Error(`vpcCidr: ${show(vpcCidr)} is not a valid CIDR`);
  return `${formatIpv4(parsed.address)}/24`;
}

/** A top-level domain: letters, or an IDN TLD in its punycode form (`xn--p1ai`; RFC 3492, RFC 5890). */
const TLD = "([a-z]{2,63}|xn--[a-z0-9-]{1,59})";
const FQDN = new RegExp(`^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+${TLD}$`);
/** Domains are case-insensitive (RFC 4343): `Ops@Example.COM` is a valid address. */
const EMAIL = new RegExp(`^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+${TLD}$`, "i");
const OPENCLAW_VERSION = /^20\d{2}\.(1[0-2]|[1-9])\.([1-9]|[12]\d|3[01])(-(beta|rc)\.\d+)?$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const SHA256 = /^[0-9a-f]{64}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,19}$/;

/** openclaw 2026.9.6 requires node >=24.16.0 <25 || >=26.1.0 (its engines field). */
export function nodeSatisfiesOpenclaw(version: string): boolean {
  const match = SEMVER.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return (major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26;
}

function urlProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a URL string";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute http(s) URL";
  }
  // The WHATWG URL parser silently strips leading/trailing spaces and control characters and drops tabs
  // and newlines inside (https://url.spec.whatwg.org/#concept-basic-url-parser): what it downloads from
  // would not be what the settings say.
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(value)) return "must not contain spaces, tabs, newlines or control characters (the URL parser would drop them silently); percent-encode a space as %20";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must use https (or http for a private mirror)";
  if (url.search || url.hash || url.username) return "must not carry a query, fragment or credentials";
  return undefined;
}

/** Named ACME directories of `acmeDirectory` (https://letsencrypt.org/docs/environments/, read 2026-11-30). */
export const ACME_DIRECTORIES = {
  production: "https://acme-v02.api.letsencrypt.org/directory",
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/** The ACME directory URL an `acmeDirectory` setting names (a URL names itself). */
export const acmeDirectoryUrl = (setting: string): string =>
  (ACME_DIRECTORIES as Record<string, string>)[setting] ?? setting;

function acmeDirectoryProblem(value: unknown): string | undefined {
  if (typeof value === "string" && value in ACME_DIRECTORIES) return undefined;
  const allowed = `must be ${Object.keys(ACME_DIRECTORIES).map((name) => `"${name}"`).join(" or ")}, or the https URL of an ACME directory`;
  if (typeof value !== "string" || !value.startsWith("https://")) return allowed;
  const problem = urlProblem(value);
  return problem ? `${allowed}: the URL ${problem}` : undefined;
}

/** Each download base that the host would use over plain http:// without a sha256 pin, and the pin setting it needs. */
/** Each download base, the pin that names its bytes (`downloadPins`) and its pin setting. */
const PINNED_DOWNLOADS = [
  { base: "nodeBaseUrl", pin: "node", setting: "nodeSha256", what: (s: GatewaySettings) => `Node.js ${s.versions.node}` },
  { base: "traefikBaseUrl", pin: "traefik", setting: "traefikSha256", what: (s: GatewaySettings) => `Traefik ${s.versions.traefik}` },
  { base: "ssmAgentBaseUrl", pin: "ssmAgent", setting: "ssmAgentSha256", what: () => "the SSM agent" },
] as const;

/**
 * Over plain http:// anyone on the path can replace a download and its checksum file together, so a
 * download base may be http:// only when a pin that does not travel with it (the settings' or the
 * one modules/host/pins.ts ships) names the bytes. The SSM agent base counts only on an OS that
 * downloads the agent. Settings must otherwise be valid (versions, instance type, download keys).
 */
function plainHttpProblems(s: GatewaySettings): SettingsProblem[] {
  const arch = architectureOf(s.instanceType);
  const pins = downloadPins(s, arch);
  const used = (base: string) => base !== "ssmAgentBaseUrl" || HOST_OS_PROFILES[s.hostOs].ssmAgent !== undefined;
  return PINNED_DOWNLOADS
    .filter(({ base, pin }) => used(base) && s.downloads[base].startsWith("http://") && pins[pin] === undefined)
    .map(({ base, setting, what }) => ({
      setting: `downloads.${base}`,
      value: s.downloads[base],
      allowed: `an http:// download base needs a sha256 pin (anyone on the path could swap the archive and its checksum file): `
        + `set downloads.${setting} (this project ships none for ${what(s)} on ${arch}), or use https://`,
    }));
}

/** One day of the week, or a range of them, as EventBridge Scheduler's cron day-of-week field spells it. */
const DAY = "(?:MON|TUE|WED|THU|FRI|SAT|SUN)";
/** `cron(minute hour ? * days *)`: a fixed time on some days of every week (so at least weekly). */
const WEEKLY_CRON = new RegExp(`^cron\\(([0-9]{1,2}) ([0-9]{1,2}) \\? \\* (\\*|${DAY}(?:-${DAY})?(?:,${DAY}(?:-${DAY})?)*) \\*\\)$`);

/** Most e-mail subscriptions of the alerts topic (each one is a confirmation e-mail and an inbox to keep). */
export const MAX_ALERT_EMAILS = 10;

/**
 * Whether alerts reach someone (`alerts` lists an address): only then does the stack have its alarms
 * and the host publish their custom metrics (modules/constructs/alerts.ts, modules/host/metrics.ts),
 * which cost money each month (issue 15 item 6: the default deployment stays under its budget).
 */
export const alertsOn = (s: { readonly alerts: readonly string[] }): boolean => s.alerts.length > 0;

/** The problem with the `alerts` setting (a list of distinct e-mail addresses), or undefined. */
export function alertsProblem(value: unknown): string | undefined {
  const allowed = `must be a list of at most ${MAX_ALERT_EMAILS} distinct e-mail addresses such as ["ops@example.org"] (or [] for none)`;
  if (!Array.isArray(value) || value.length > MAX_ALERT_EMAILS) return allowed;
  const bad = value.filter((v) => typeof v !== "string" || !EMAIL.test(v));
  if (bad.length > 0) return `${allowed}; not an e-mail address: ${bad.map((v) => JSON.stringify(v)).join(", ")}`;
  const lower = value.map((v: string) => v.toLowerCase());
  const twice = lower.filter((v, i) => lower.indexOf(v) !== i);
  return twice.length > 0 ? `${allowed}; listed twice: ${[...new Set(twice)].join(", ")}` : undefined;
}

/** The problem with a maintenance window expression, or undefined. */
export function maintenanceWindowProblem(value: unknown): string | undefined {
  const match = typeof value === "string" ? WEEKLY_CRON.exec(value) : null;
  if (match && Number(match[1]) <= 59 && Number(match[2]) <= 23) return undefined;
  return "must be \"cron(minute hour ? * days *)\" with minute 0–59, hour 0–23 and days * or MON–SUN (lists and ranges), "
    + "e.g. \"cron(0 4 ? * SUN *)\": at least weekly, so the host gets OS security updates";
}

/** The problem with an IANA time zone name, or undefined (the runtime's time zone database decides). */
export function timeZoneProblem(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: value });
      return undefined;
    } catch {
      // not a zone
    }
  }
  return "must be an IANA time zone such as \"UTC\" or \"Europe/Berlin\"";
}

/** The problem with a `toolPolicy` value, or undefined: the values, what each means, and the one a typo most likely meant. */
export function toolPolicyProblem(value: unknown): string | undefined {
  if (isToolPolicy(value)) return undefined;
  const guess = typeof value === "string" ? didYouMean(value, TOOL_POLICIES) : undefined;
  return `must be one of ${TOOL_POLICIES.map((p) => `"${p}"`).join(", ")}${guess ? ` (did you mean "${guess}"?)` : ""}: `
    + "\"approvals\" (a shell command waits for a person's approval, file tools stay in the workspace; the default), "
    + "\"no-shell\" (no shell commands, file tools in the workspace), \"full\" (openclaw's own default: shell and files as the openclaw user, no prompt)";
}

/**
 * Every setting of an environment and how `defaults` combine with it: a "value" is replaced, an
 * "object" merges key by key, a "config" (an OpenClaw config overlay) merges at every depth. Checked against GatewaySettings: a new setting without an entry here
 * fails tsc.
 */
const SETTING_KINDS = {
  environment: "value", region: "value", availabilityZone: "value", domainName: "value", acmeEmail: "value",
  instanceType: "value", hostOs: "value", dataVolumeSizeGiB: "value", snapshotRetentionCount: "value", vpcCidr: "value",
  allowedCidrs: "value", versions: "object", downloads: "object", watchdog: "object", backups: "object", hostedZoneId: "value",
  tags: "object", backend: "object", acmeDirectory: "value", dnsWaitSeconds: "value", alerts: "value",
  maintenanceWindow: "value", maintenanceTimeZone: "value", model: "value", openclaw: "config",
  toolPolicy: "value",
} as const satisfies Record<keyof GatewaySettings, "value" | "object" | "config">;

/** The keys of a record, typed (a record checked with `satisfies Record<keyof T, …>` lists every key of T). */
const keysOf = <K extends string>(record: Record<K, unknown>): K[] => Object.keys(record) as K[];

/** Keys allowed at each level; anything else is a typo and rejected. */
const TOP_LEVEL_KEYS: string[] = keysOf(SETTING_KINDS);
/** Every key of `downloads` and what it holds; checked against DownloadSettings (its optional pins included). */
const DOWNLOAD_KINDS = {
  nodeBaseUrl: "url", traefikBaseUrl: "url", npmRegistry: "url", ssmAgentBaseUrl: "url", nodeSha256: "sha256", traefikSha256: "sha256",
  ssmAgentSha256: "sha256",
} as const satisfies Record<keyof DownloadSettings, "url" | "sha256">;
const DOWNLOAD_KEYS = keysOf(DOWNLOAD_KINDS);
const downloadKeysOf = (kind: "url" | "sha256") => DOWNLOAD_KEYS.filter((key) => DOWNLOAD_KINDS[key] === kind);

function unknownKeys(value: Record<string, unknown>, allowed: string[], prefix: string, what = "setting"): SettingsProblem[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => {
      const guess = didYouMean(key, allowed);
      return {
        setting: `${prefix}${key}`,
        value: value[key],
        allowed: `unknown ${what}${guess ? `; did you mean "${prefix}${guess}"?` : ""}; allowed ${what}s: ${allowed.join(", ")}`,
      };
    });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function integerProblem(value: number, min: number, max: number): string | undefined {
  return Number.isInteger(value) && value >= min && value <= max ? undefined : `must be a whole number from ${min} to ${max}`;
}

// ---------------------------------------------------------------- resolve

/**
 * Applies defaults to one environment's input and validates every value.
 * Throws a SettingsError naming each bad setting, its value and what is allowed.
 */
export function resolveSettings(input: unknown, source = "settings"): GatewaySettings {
  const { settings, problems } = resolveEnvironment(input);
  if (problems.length > 0) throw new SettingsError(problems, source);
  return settings;
}

/**
 * One environment's settings after defaults, and every problem found in them (our checks, then the
 * real services' rules of settings-rules.ts; a rule problem is left out when our own check already
 * refused the same setting). Never throws.
 */
export function resolveEnvironment(input: unknown): { settings: GatewaySettings; problems: SettingsProblem[] } {
  if (!isObject(input)) {
    return { settings: input as GatewaySettings, problems: [{ setting: "environment", value: input, allowed: "an environment must be an object of settings" }] };
  }
  const raw = input as GatewaySettingsInput;
  const problems: SettingsProblem[] = [];
  const check = (name: string, value: unknown, problem: string | undefined) => {
    if (problem) problems.push({ setting: name, value, allowed: problem });
  };
  problems.push(...unknownKeys(raw as Record<string, unknown>, TOP_LEVEL_KEYS, ""));

  const region = raw.region ?? "us-east-1";
  const settings: GatewaySettings = {
    environment: raw.environment,
    region,
    availabilityZone: raw.availabilityZone ?? `${region}a`,
    domainName: raw.domainName,
    acmeEmail: raw.acmeEmail,
    instanceType: raw.instanceType ?? "t4g.small",
    hostOs: raw.hostOs ?? "al2023",
    dataVolumeSizeGiB: raw.dataVolumeSizeGiB ?? 20,
    snapshotRetentionCount: raw.snapshotRetentionCount ?? 7,
    vpcCidr: raw.vpcCidr ?? "10.42.0.0/16",
    allowedCidrs: raw.allowedCidrs ?? ["0.0.0.0/0"],
    versions: { ...DEFAULT_VERSIONS, ...(isObject(raw.versions) ? raw.versions : {}) },
    downloads: { ...DEFAULT_DOWNLOADS, ...(isObject(raw.downloads) ? raw.downloads : {}) },
    watchdog: { ...DEFAULT_WATCHDOG, ...(isObject(raw.watchdog) ? raw.watchdog : {}) },
    backups: { ...DEFAULT_BACKUPS, ...(isObject(raw.backups) ? raw.backups : {}) },
    hostedZoneId: raw.hostedZoneId,
    acmeDirectory: raw.acmeDirectory ?? "production",
    dnsWaitSeconds: raw.dnsWaitSeconds ?? 600,
    maintenanceWindow: raw.maintenanceWindow ?? "cron(0 4 ? * SUN *)",
    maintenanceTimeZone: raw.maintenanceTimeZone ?? "UTC",
    tags: raw.tags ?? {},
    alerts: raw.alerts ?? [],
    backend: raw.backend ?? { type: "local" },
    model: raw.model ?? DEFAULT_MODEL,
    openclaw: raw.openclaw ?? {},
    toolPolicy: raw.toolPolicy ?? DEFAULT_TOOL_POLICY,
  };

  check("environment", settings.environment, typeof settings.environment === "string" && ENVIRONMENT.test(settings.environment)
    ? undefined : "must be 1–20 lowercase letters, digits or hyphens, starting with a letter (e.g. \"prod\")");
  check("region", region, isAwsRegion(region) ? undefined
    : `allowed regions (AWS commercial regions as of ${REGIONS_AS_OF}): ${AWS_REGIONS.join(", ")}`);
  // Plain string comparison: a regular expression built from the region would throw on "us-east-1)".
  const zone = settings.availabilityZone;
  check("availabilityZone", zone,
    typeof zone === "string" && typeof region === "string" && zone.length === region.length + 1 && zone.startsWith(region)
      && zone.slice(-1) >= "a" && zone.slice(-1) <= "z"
      ? undefined : `must be a zone of region ${String(region)}: the region followed by one letter, e.g. "${String(region)}a"`);
  check("domainName", settings.domainName, typeof settings.domainName === "string" && FQDN.test(settings.domainName)
    ? undefined : "must be a lowercase fully qualified domain name such as \"gateway.example.org\"");
  check("acmeEmail", settings.acmeEmail, typeof settings.acmeEmail === "string" && EMAIL.test(settings.acmeEmail)
    ? undefined : "must be an e-mail address such as \"ops@example.org\"");
  check("instanceType", settings.instanceType, typeof settings.instanceType === "string"
    ? instanceTypeProblem(settings.instanceType) : "must be a string such as \"t4g.small\"");
  check("hostOs", settings.hostOs, (HOST_OPERATING_SYSTEMS as readonly string[]).includes(settings.hostOs)
    ? undefined : `allowed values: ${HOST_OPERATING_SYSTEMS.join(", ")}`);
  check("dataVolumeSizeGiB", settings.dataVolumeSizeGiB, integerProblem(settings.dataVolumeSizeGiB, 8, 1024));
  check("snapshotRetentionCount", settings.snapshotRetentionCount, integerProblem(settings.snapshotRetentionCount, 1, 365));

  const vpc = typeof settings.vpcCidr === "string" ? parseIpv4Cidr(settings.vpcCidr) : undefined;
  check("vpcCidr", settings.vpcCidr, !vpc ? "must be an IPv4 CIDR with no host bits set, e.g. \"10.42.0.0/16\""
    : vpc.prefix < 16 || vpc.prefix > 24 ? "prefix length must be from /16 to /24" : undefined);
  if (!Array.isArray(settings.allowedCidrs) || settings.allowedCidrs.length === 0) {
    check("allowedCidrs", settings.allowedCidrs, "must be a non-empty list of IPv4 CIDRs, e.g. [\"203.0.113.0/24\"]");
  } else {
    settings.allowedCidrs.forEach((cidr, i) =>
      check(`allowedCidrs[${i}]`, cidr, typeof cidr === "string" && parseIpv4Cidr(cidr)
        ? undefined : "must be an IPv4 CIDR with no host bits set, e.g. \"203.0.113.0/24\" or \"0.0.0.0/0\""));
  }

  if (raw.versions !== undefined && !isObject(raw.versions)) check("versions", raw.versions, "must be an object");
  else if (raw.versions) problems.push(...unknownKeys(raw.versions as Record<string, unknown>, Object.keys(DEFAULT_VERSIONS), "versions."));
  const { versions } = settings;
  check("versions.openclaw", versions.openclaw, typeof versions.openclaw === "string" && OPENCLAW_VERSION.test(versions.openclaw)
    ? undefined : "must be an exact openclaw release such as \"2026.9.6\" (no ranges, no \"latest\")");
  if (typeof versions.openclaw === "string" && OPENCLAW_VERSION.test(versions.openclaw) && versions.openclaw !== openclawLock().version) {
    check("versions.openclaw", versions.openclaw, `must be ${openclawLock().version}, the release modules/host/openclaw/package-lock.json locks: `
      + "hosts install openclaw only from that lock (npm ci); for another release, update the lock there (npm install --package-lock-only openclaw@<version>) and the test fixture __tests__/fixtures/openclaw with it");
  }
  check("versions.node", versions.node, typeof versions.node === "string" && nodeSatisfiesOpenclaw(versions.node)
    ? undefined : "must be an exact Node.js release that openclaw accepts: >=24.16.0 <25 or >=26.1.0, e.g. \"24.21.0\"");
  check("versions.traefik", versions.traefik, typeof versions.traefik === "string" && SEMVER.test(versions.traefik) && versions.traefik.startsWith("3.")
    ? undefined : "must be an exact Traefik v3 release such as \"3.7.9\" (no \"v\" prefix, no ranges)");

  if (raw.downloads !== undefined && !isObject(raw.downloads)) check("downloads", raw.downloads, "must be an object");
  else if (raw.downloads) {
    problems.push(...unknownKeys(raw.downloads as Record<string, unknown>, DOWNLOAD_KEYS, "downloads."));
  }
  const { downloads } = settings;
  for (const key of downloadKeysOf("url")) {
    check(`downloads.${key}`, downloads[key], urlProblem(downloads[key]));
  }
  for (const key of downloadKeysOf("sha256")) {
    if (downloads[key] !== undefined) {
      check(`downloads.${key}`, downloads[key], typeof downloads[key] === "string" && SHA256.test(downloads[key]!)
        ? undefined : "must be 64 lowercase hex digits (a sha256)");
    }
  }
  if (!problems.some((p) => /^(downloads|versions)\.|^(instanceType|hostOs)$/.test(p.setting))) {
    problems.push(...plainHttpProblems(settings));
  }

  if (raw.watchdog !== undefined && !isObject(raw.watchdog)) check("watchdog", raw.watchdog, "must be an object");
  else if (raw.watchdog) problems.push(...unknownKeys(raw.watchdog as Record<string, unknown>, Object.keys(DEFAULT_WATCHDOG), "watchdog."));
  check("watchdog.intervalSeconds", settings.watchdog.intervalSeconds, integerProblem(settings.watchdog.intervalSeconds, 15, 3600));
  check("watchdog.failuresBeforeReplacement", settings.watchdog.failuresBeforeReplacement,
    integerProblem(settings.watchdog.failuresBeforeReplacement, 2, 100));

  if (raw.backups !== undefined && !isObject(raw.backups)) check("backups", raw.backups, "must be an object such as {\"keep\": 7}");
  else if (raw.backups) problems.push(...unknownKeys(raw.backups as Record<string, unknown>, Object.keys(DEFAULT_BACKUPS), "backups."));
  check("backups.keep", settings.backups.keep, integerProblem(settings.backups.keep, 1, 60));

  if (settings.hostedZoneId !== undefined) {
    check("hostedZoneId", settings.hostedZoneId, typeof settings.hostedZoneId === "string" && HOSTED_ZONE_ID.test(settings.hostedZoneId)
      ? undefined : "must be a Route53 hosted zone id such as \"Z0123456789ABCDEFGHIJ\"");
  }
  check("maintenanceWindow", settings.maintenanceWindow, maintenanceWindowProblem(settings.maintenanceWindow));
  check("maintenanceTimeZone", settings.maintenanceTimeZone, timeZoneProblem(settings.maintenanceTimeZone));

  check("acmeDirectory", settings.acmeDirectory, acmeDirectoryProblem(settings.acmeDirectory));
  check("dnsWaitSeconds", settings.dnsWaitSeconds, integerProblem(settings.dnsWaitSeconds, 10, 1800));

  check("alerts", settings.alerts, alertsProblem(settings.alerts));

  // Each tag's key, value and the count are AWS's rules: settings-rules.ts.
  if (!isObject(settings.tags)) check("tags", settings.tags, "must be an object of string keys to string values");

  problems.push(...backendProblems(settings.backend));

  check("model", settings.model, modelProblem(settings.model));
  check("toolPolicy", settings.toolPolicy, toolPolicyProblem(settings.toolPolicy));

  const refused = new Set(problems.map((p) => p.setting));
  problems.push(...environmentRuleProblems(settings).filter((p) => !refused.has(p.setting)));
  // The merged openclaw.json is rendered from the other settings: schema-checked only once they are valid.
  if (!isObject(settings.openclaw)) {
    check("openclaw", settings.openclaw, "must be an object of openclaw.json keys, e.g. {\"agents\":{\"defaults\":{\"thinkingDefault\":\"low\"}}}");
  } else {
    problems.push(...overlayProblems(settings, problems.length === 0));
  }
  return { settings, problems };
}

/** Keys of each backend type; checked against StateBackendSettings. */
type BackendKeys<T extends StateBackendSettings["type"]> = Record<keyof Extract<StateBackendSettings, { type: T }>, true>;
const LOCAL_BACKEND_KEYS = keysOf({ type: true, path: true } satisfies BackendKeys<"local">);
const S3_BACKEND_KEYS = keysOf({ type: true, bucket: true, key: true, region: true } satisfies BackendKeys<"s3">);

function backendProblems(backend: unknown): SettingsProblem[] {
  const problem = (setting: string, value: unknown, allowed: string): SettingsProblem => ({ setting, value, allowed });
  if (!isObject(backend) || (backend.type !== "local" && backend.type !== "s3")) {
    return [problem("backend", backend, "must be {\"type\":\"local\"} or {\"type\":\"s3\",\"bucket\":\"…\"}")];
  }
  if (backend.type === "local") {
    const problems = unknownKeys(backend, LOCAL_BACKEND_KEYS, "backend.");
    if (backend.path !== undefined && (typeof backend.path !== "string" || backend.path.length === 0)) {
      problems.push(problem("backend.path", backend.path, "must be a non-empty file path"));
    }
    return problems;
  }
  const problems = unknownKeys(backend, S3_BACKEND_KEYS, "backend.");
  // S3's naming rules for the bucket and the key are in settings-rules.ts.
  if (typeof backend.bucket !== "string") {
    problems.push(problem("backend.bucket", backend.bucket, "must be an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)"));
  }
  if (backend.region !== undefined && !isAwsRegion(backend.region)) {
    problems.push(problem("backend.region", backend.region, `allowed regions: ${AWS_REGIONS.join(", ")}`));
  }
  if (backend.key !== undefined && (typeof backend.key !== "string" || !/^[\w!\-.*'()/]{1,1024}$/.test(backend.key))) {
    problems.push(problem("backend.key", backend.key, "must be an S3 object key"));
  }
  return problems;
}

// ---------------------------------------------------------------- file

/** The settings file: shared defaults plus one entry per environment (one stack each). */
export interface SettingsFile {
  /**
   * Values every environment starts from (any setting except `environment`). Objects (`versions`,
   * `downloads`, `watchdog`, `backups`, `tags`, `backend`) merge key by key: e.g. an S3 `bucket` here and no
   * `key`, so each environment gets its own default key. A `backend.key`/`backend.path` here would
   * put every environment on one state and is refused.
   */
  defaults?: Partial<GatewaySettingsInput>;
  /** One entry per environment; each becomes its own stack. */
  environments: GatewaySettingsInput[];
}

/** Keys of the settings file itself (`bootstrap` is the CI bootstrap stack's: modules/bootstrap/settings.ts). */
const FILE_KEYS = ["$schema", "defaults", "environments", "bootstrap"];
/** Object settings that merge key by key from `defaults` into each environment. */
const MERGED_OBJECTS = keysOf(SETTING_KINDS).filter((key) => SETTING_KINDS[key] === "object");

/**
 * Resolves every environment of a parsed settings file and reports every problem at once: the
 * file's own (top-level keys, `defaults`), each environment's (named by its environment), then the
 * problems across environments (duplicate names, shared Terraform state, settings-rules.ts's
 * cross-environment rules). Cross-environment checks run only over the environments that resolved
 * without a problem: a half-valid environment would give misleading collisions.
 * @param projectRoot where a relative local state path is resolved from (the entry point's working directory)
 */
export function resolveSettingsFile(file: unknown, source = "settings.json", projectRoot = process.cwd()): GatewaySettings[] {
  if (!isObject(file)) {
    throw new SettingsError([{ setting: "file", value: file, allowed: "must be a JSON object with \"environments\" (and optionally \"defaults\")" }], source);
  }
  const problems: SettingsProblem[] = unknownKeys(file, FILE_KEYS, "", "top-level key");
  const defaults = defaultsOf(file.defaults, problems);
  if (!Array.isArray(file.environments) || file.environments.length === 0) {
    problems.push({ setting: "environments", value: file.environments, allowed: "must be a non-empty list of environments, e.g. [{\"environment\":\"prod\",\"domainName\":\"…\",\"acmeEmail\":\"…\"}]" });
  }
  const environments = (Array.isArray(file.environments) ? file.environments as unknown[] : []).map((env, index) => {
    const label = environmentLabel(env, index);
    const { settings, problems: own } = resolveEnvironment(isObject(env) ? mergeDefaults(defaults, env) : env);
    problems.push(...own.map((p) => ({
      ...p, environment: label, ...(isObject(env) && inheritedFromDefaults(p.setting, env, defaults) ? { got: `${show(p.value)} (from defaults)` } : {}),
    })));
    return { settings, label, index, raw: env, valid: own.length === 0 };
  });

  const duplicates = duplicateNameProblems(environments);
  problems.push(...duplicates);
  const clean = environments.filter((e) => e.valid && !duplicates.some((d) => d.value === e.settings.environment));
  problems.push(...sharedStateProblems(clean, defaults, projectRoot));
  problems.push(...clean.flatMap(({ settings, label }) => {
    const allowed = stateInBuildOutputProblem(stateLocation(settings, projectRoot), projectRoot);
    return allowed && settings.backend.type === "local" ? [{ environment: label, setting: "backend.path", value: settings.backend.path, allowed }] : [];
  }));
  problems.push(...crossEnvironmentProblems(clean.map((e) => e.settings)).map((p) => ({
    ...p, environment: clean.find((e) => e.settings.environment === p.environment)?.label ?? p.environment,
  })));

  if (problems.length > 0) throw new SettingsError(problems, source);
  return environments.map((e) => e.settings);
}

/** True when an environment's value of `setting` (dotted, e.g. `versions.node`) came from defaults. */
function inheritedFromDefaults(setting: string, env: Record<string, unknown>, defaults: Record<string, unknown>): boolean {
  let [own, base]: [unknown, unknown] = [env, defaults];
  for (const key of setting.replace(/\[\d+\]$/, "").split(".")) {
    if (!isObject(base) || !(key in base)) return false;
    if (!isObject(own) || !(key in own)) return true;
    [own, base] = [own[key], base[key]];
  }
  return false;
}

/** How problems name an environment: its name when it has a readable one, else its place in the list. */
function environmentLabel(env: unknown, index: number): string {
  const name = isObject(env) ? env.environment : undefined;
  return typeof name === "string" && /^[\w.-]{1,40}$/.test(name) ? name : `environments[${index}]`;
}

/** The `defaults` object, minus what cannot be a default (reported): not an object, `environment`, unknown keys. */
function defaultsOf(value: unknown, problems: SettingsProblem[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problems.push({ setting: "defaults", value, allowed: "must be an object of settings every environment starts from, e.g. {\"region\":\"eu-west-1\"}" });
    return {};
  }
  const allowed = TOP_LEVEL_KEYS.filter((key) => key !== "environment");
  if ("environment" in value) {
    problems.push({ setting: "defaults.environment", value: value.environment, allowed: "not allowed in defaults: each entry of \"environments\" names its own environment" });
  }
  problems.push(...unknownKeys(value, allowed, "defaults.").filter((p) => p.setting !== "defaults.environment"));
  return Object.fromEntries(Object.entries(value).filter(([key]) => allowed.includes(key)));
}

function duplicateNameProblems(environments: Array<{ raw: unknown; index: number; label: string }>): SettingsProblem[] {
  const byName = new Map<string, number[]>();
  for (const { raw, index } of environments) {
    const name = isObject(raw) ? raw.environment : undefined;
    if (typeof name === "string") byName.set(name, [...(byName.get(name) ?? []), index]);
  }
  return [...byName].filter(([, indexes]) => indexes.length > 1).map(([name, indexes]) => ({
    environment: environmentLabel({ environment: name }, indexes[0]),
    setting: "environment",
    value: name,
    allowed: `is used twice (${indexes.map((i) => `environments[${i}]`).join(", ")}); names must be unique (each is its own stack)`,
  }));
}

/** Identity of a state location: an S3 bucket name is global, so bucket + key is one object whatever the region. */
const stateIdentity = (l: StateLocation): string => (l.type === "local" ? `local:${l.path}` : `s3:${l.bucket}/${l.key}`);

/**
 * Two environments on one Terraform state would plan against each other's resources (a staging
 * deploy planning to replace prod). Each environment after the first on a location is refused,
 * naming the first.
 */
function sharedStateProblems(
  environments: Array<{ settings: GatewaySettings; label: string; raw: unknown }>,
  defaults: Record<string, unknown>,
  projectRoot: string,
): SettingsProblem[] {
  const first = new Map<string, string>();
  const problems: SettingsProblem[] = [];
  for (const { settings, label, raw } of environments) {
    const location = stateLocation(settings, projectRoot);
    const id = stateIdentity(location);
    const owner = first.get(id);
    if (owner === undefined) {
      first.set(id, label);
      continue;
    }
    const setting = settings.backend.type === "s3" ? "key" : "path";
    const value = settings.backend.type === "s3" ? settings.backend.key : settings.backend.path;
    const ownBackend = isObject(raw) && isObject(raw.backend) ? raw.backend : {};
    const fromDefaults = value !== undefined && !(setting in ownBackend) && isObject(defaults.backend) && setting in defaults.backend;
    const example = settings.backend.type === "s3" ? "\"openclaw-aws/<environment>.tfstate\"" : "\"terraform.<environment>.tfstate\" in the project root";
    problems.push({
      environment: label,
      setting: `backend.${setting}`,
      value,
      got: value === undefined ? `the default (${describeStateLocation(location)})` : `${show(value)}${fromDefaults ? " (from defaults)" : ""}`,
      allowed: `${owner} uses the same state (${describeStateLocation(location)}); two stacks on one state would plan against each other — `
        + (fromDefaults
          ? `a ${setting} in defaults gives every environment the same state: set backend.${setting} per environment, or leave it out for the per-environment default ${example}`
          : `give each environment its own backend.${setting}`),
    });
  }
  return problems;
}

function mergeDefaults(defaults: Record<string, unknown>, env: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults, ...env };
  if (isObject(defaults.openclaw) && isObject(env.openclaw)) merged.openclaw = mergeOverlay(defaults.openclaw, env.openclaw);
  for (const key of MERGED_OBJECTS) {
    const [base, own] = [defaults[key], env[key]];
    if (!isObject(base) || !isObject(own)) continue;
    // A backend of another type replaces the default one instead of mixing keys of both types.
    if (key === "backend" && own.type !== undefined && base.type !== undefined && own.type !== base.type) continue;
    merged[key] = { ...base, ...own };
  }
  return merged;
}

/** CPU architecture of the stack's host. */
export const architectureOfSettings = (s: GatewaySettings): Architecture => architectureOf(s.instanceType);
