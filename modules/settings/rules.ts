import type { GatewaySettings } from "./settings";
import { DEFAULT_WATCHDOG, parseIpv4Cidr, toleratedStallSeconds, WATCHDOG_GET_TIMEOUT_SECONDS } from "./settings";
import { AWS_REGION_ZONES, isAwsRegion, REGIONS_AS_OF } from "./aws-regions";

/** One refused value: the setting's dotted name, the value, and what is allowed (citing the rule). */
export interface RuleProblem {
  setting: string;
  value: unknown;
  allowed: string;
}

/** A value that synthesizes but can never work in a real deployment (example domain, placeholder e-mail). */
export interface PlaceholderWarning {
  setting: string;
  value: string;
  why: string;
}

// ---------------------------------------------------------------- sources (read 2026-11-30)

const TAG_DOCS = "https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html";
const SG_QUOTA_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups";
const VPC_CIDR_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html";
const BUCKET_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html";
const S3_BACKEND_DOCS = "https://developer.hashicorp.com/terraform/language/backend/s3";
const LE_POLICY = "https://github.com/letsencrypt/boulder/blob/main/policy/pa.go";
const ZONES_DOCS = "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html";
const LE_VALIDATION_ADDRESSES = "https://letsencrypt.org/docs/faq/#what-ip-addresses-does-let-s-encrypt-use-to-validate-my-web-server";

// ---------------------------------------------------------------- small helpers

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Length in Unicode code points, as AWS counts tag lengths ("Unicode characters in UTF-8"). */
const codePoints = (text: string): number => [...text].length;

/** Whether `domain` is `suffix` or a name under it (label-wise, so "myexample.com" is not under "example.com"). */
const isUnder = (domain: string, suffix: string): boolean => {
  const d = domain.toLowerCase().replace(/\.$/, "");
  return d === suffix || d.endsWith(`.${suffix}`);
};

// ---------------------------------------------------------------- tags

/**
 * Tag keys this project puts on its own resources, and the most of them any one resource carries.
 * Provider default tags (modules/stack.ts): `openclaw:environment`, `managed-by`. The data volume
 * (modules/constructs/storage.ts) adds `Name`, `openclaw:role`, `openclaw:snapshots`: 5 keys; its daily
 * snapshots copy the volume's tags (DLM `copyTags`) and add `openclaw:snapshot`: 6 keys, the most.
 * DLM's own `aws:dlm:*` tags do not count (the `aws:` prefix is outside the limit, see TAG_DOCS).
 * __tests__/unit/settings-rules.test.ts recounts this from a synthesized stack.
 */
export const OWN_TAGS_MAX_PER_RESOURCE = 6;
/** AWS allows at most 50 user tags per resource (EC2, EBS, IAM, KMS, SSM, ASG alike). */
export const AWS_MAX_TAGS_PER_RESOURCE = 50;
/** Keys this project sets itself: a user tag with one of them would be overwritten or, copied onto the root volume, confuse the boot. */
const RESERVED_TAG_KEYS = ["managed-by", "Name"];
/**
 * The character set every tagged service here accepts (IAM, KMS and SSM are the strictest of
 * them; EC2 alone allows more): letters, digits and spaces in UTF-8, and `_ . : / = + - @`.
 */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_CHARACTERS_TEXT = "letters, digits, spaces and _ . : / = + - @";

/** How a problem names one tag: `tags.team`, or `tags[""]` for a key that would not read as one. */
const tagSetting = (key: string): string => (/^[\w.:/=+@-]+$/.test(key) ? `tags.${key}` : `tags[${JSON.stringify(key)}]`);

function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0) return `tag keys must not be empty (AWS: a key is 1–128 characters; ${TAG_DOCS})`;
  if (codePoints(key) > 128) return `tag keys must be at most 128 characters (${TAG_DOCS})`;
  if (!TAG_CHARACTERS.test(key)) return `tag keys may contain only ${TAG_CHARACTERS_TEXT} (the set IAM, KMS and SSM accept; ${TAG_DOCS})`;
  if (key.toLowerCase().startsWith("aws:")) return `tag keys must not start with "aws:" in any case: AWS reserves the prefix (${TAG_DOCS})`;
  if (key.toLowerCase().startsWith("openclaw:")) {
    return "tag keys must not start with \"openclaw:\": this project reserves the prefix (the host finds its data volume and address by openclaw:environment/openclaw:role; a user tag copied onto the root volume would make it a second match)";
  }
  if (RESERVED_TAG_KEYS.includes(key)) return `this project sets "${key}" on its resources itself; choose another key`;
  return undefined;
}

function tagValueProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return `tag values must be strings (0–256 characters; ${TAG_DOCS})`;
  if (codePoints(value) > 256) return `tag values must be at most 256 characters (${TAG_DOCS})`;
  if (!TAG_CHARACTERS.test(value)) return `tag values may contain only ${TAG_CHARACTERS_TEXT} (the set IAM, KMS and SSM accept; ${TAG_DOCS})`;
  return undefined;
}

function tagProblems(tags: unknown): RuleProblem[] {
  if (!isObject(tags)) return [];
  const entries = Object.entries(tags);
  const problems: RuleProblem[] = [];
  const room = AWS_MAX_TAGS_PER_RESOURCE - OWN_TAGS_MAX_PER_RESOURCE;
  if (entries.length > room) {
    problems.push({
      setting: "tags", value: `${entries.length} tags`,
      allowed: `at most ${room} tags: AWS allows at most ${AWS_MAX_TAGS_PER_RESOURCE} tags per resource (${TAG_DOCS}) and this project adds up to ${OWN_TAGS_MAX_PER_RESOURCE} of its own to one resource (the data volume's snapshots)`,
    });
  }
  for (const [key, value] of entries) {
    const problem = tagKeyProblem(key) ?? tagValueProblem(value);
    if (problem) problems.push({ setting: tagSetting(key), value: tagKeyProblem(key) ? key : value, allowed: problem });
  }
  return problems;
}

// ---------------------------------------------------------------- network

/** Default quota of inbound IPv4 rules per security group (adjustable, but never assumed raised). */
export const SECURITY_GROUP_INBOUND_RULES = 60;
/** Inbound rules the host's security group has besides one per allowed CIDR (modules/constructs/host.ts: none). */
const OWN_INBOUND_RULES = 0;

interface Range { first: number; last: number }
const rangeOf = (cidr: { address: number; prefix: number }): Range =>
  ({ first: cidr.address, last: cidr.address + 2 ** (32 - cidr.prefix) - 1 });
const contains = (outer: Range, inner: Range): boolean => outer.first <= inner.first && inner.last <= outer.last;
const overlaps = (a: Range, b: Range): boolean => a.first <= b.last && b.first <= a.last;
const range = (cidr: string): Range => rangeOf(parseIpv4Cidr(cidr)!);

function allowedCidrProblems(cidrs: unknown): RuleProblem[] {
  if (!Array.isArray(cidrs)) return [];
  const problems: RuleProblem[] = [];
  const quota = SECURITY_GROUP_INBOUND_RULES - OWN_INBOUND_RULES;
  if (cidrs.length > quota) {
    problems.push({
      setting: "allowedCidrs", value: `${cidrs.length} CIDRs`,
      allowed: `at most ${quota}: each CIDR is one inbound rule of the host's security group, and AWS allows ${SECURITY_GROUP_INBOUND_RULES} inbound IPv4 rules per security group by default (${SG_QUOTA_DOCS}); merge neighbouring ranges`,
    });
  }
  const parsed = cidrs.map((c) => (typeof c === "string" ? parseIpv4Cidr(c) : undefined));
  parsed.forEach((cidr, i) => {
    if (!cidr) return;
    const j = parsed.findIndex((other, k) => k !== i && other !== undefined
      && (other.address === cidr.address && other.prefix === cidr.prefix ? k < i : contains(rangeOf(other), rangeOf(cidr))));
    if (j < 0) return;
    const same = parsed[j]!.prefix === cidr.prefix;
    problems.push({
      setting: `allowedCidrs[${i}]`, value: cidrs[i],
      allowed: same
        ? `is listed twice (also allowedCidrs[${j}]); AWS refuses a duplicate security group rule (InvalidPermission.Duplicate): list each CIDR once`
        : `is already inside allowedCidrs[${j}] (${String(cidrs[j])}); the rule would be redundant and use up one of the ${SECURITY_GROUP_INBOUND_RULES} inbound rules: remove it`,
    });
  });
  return problems;
}

/** The CIDR that lets every address reach 443 (the security group's rules are IPv4 only). */
export const OPEN_TO_ALL = "0.0.0.0/0";

/**
 * Without a hosted zone Traefik proves the domain with TLS-ALPN-01 on 443, and Let's Encrypt does
 * not publish the addresses it validates from ("We don't publish a list of IP addresses we use to
 * validate, because they may change at any time", LE_VALIDATION_ADDRESSES, read 2026-11-30), nor
 * does it validate from one place (multi-perspective validation). So a narrowed allowedCidrs would
 * block every issuance and renewal: the host would serve Traefik's default certificate forever.
 * With hostedZoneId the challenge is DNS-01 and nothing needs to reach the host.
 */
function narrowedWithoutZoneProblem(s: GatewaySettings): RuleProblem | undefined {
  if (s.hostedZoneId !== undefined || !Array.isArray(s.allowedCidrs) || s.allowedCidrs.includes(OPEN_TO_ALL)) return undefined;
  return {
    setting: "allowedCidrs",
    value: s.allowedCidrs,
    allowed: `must include "${OPEN_TO_ALL}" unless hostedZoneId is set: without a Route53 hosted zone Let's Encrypt validates the domain with TLS-ALPN-01 on port 443 from addresses it does not publish (${LE_VALIDATION_ADDRESSES}), so a narrowed list blocks every certificate; set hostedZoneId (DNS-01 through Route53) to narrow allowedCidrs`,
  };
}

/** The private ranges of RFC 1918: the only VPC ranges this project accepts. */
const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
/** Ranges a VPC must not overlap, each with why (checked before the RFC 1918 rule, for a precise message). */
const VPC_FORBIDDEN: Array<[string, string]> = [
  ["0.0.0.0/8", "\"this network\" (RFC 1122), not assignable to hosts"],
  ["127.0.0.0/8", "loopback (RFC 1122)"],
  ["169.254.0.0/16", `link-local (RFC 3927): the host reaches the instance metadata service (169.254.169.254), Amazon Time Sync (169.254.169.123) and the DNS resolver (169.254.169.253) there (${VPC_CIDR_DOCS})`],
  ["172.17.0.0/16", `AWS asks not to use it: some AWS services use 172.17.0.0/16 and conflict with it (${VPC_CIDR_DOCS}), and it is Docker's default bridge`],
  ["100.64.0.0/10", "shared address space for carrier-grade NAT (RFC 6598)"],
  ["224.0.0.0/4", "multicast (RFC 5771)"],
  ["240.0.0.0/4", "reserved (RFC 1112), including broadcast 255.255.255.255"],
];

function vpcCidrProblem(vpcCidr: unknown): string | undefined {
  if (typeof vpcCidr !== "string") return undefined;
  const parsed = parseIpv4Cidr(vpcCidr);
  if (!parsed) return undefined;
  const vpc = rangeOf(parsed);
  const forbidden = VPC_FORBIDDEN.find(([cidr]) => overlaps(vpc, range(cidr)));
  if (forbidden) return `overlaps ${forbidden[0]}, ${forbidden[1]}; use a range inside ${RFC1918.join(", ")} (RFC 1918), e.g. "10.42.0.0/16"`;
  if (!RFC1918.some((cidr) => contains(range(cidr), vpc))) {
    return `must lie inside a private RFC 1918 range (${RFC1918.join(", ")}; ${VPC_CIDR_DOCS}): a public range in the VPC would shadow those public addresses for the host (its traffic to them would stay in the VPC)`;
  }
  return undefined;
}

function availabilityZoneProblem(region: unknown, zone: unknown): string | undefined {
  if (!isAwsRegion(region) || typeof zone !== "string") return undefined;
  // No regular expression is built from the input: plain string comparisons only.
  if (zone.length !== region.length + 1 || !zone.startsWith(region)) return undefined;
  const letters = AWS_REGION_ZONES[region];
  if (letters.includes(zone.slice(-1))) return undefined;
  return `${region} has the zones ${[...letters].map((l) => `${region}${l}`).join(", ")} (AWS zone table of ${REGIONS_AS_OF}, ${ZONES_DOCS})`;
}

// ---------------------------------------------------------------- domains, e-mail (Let's Encrypt)

/**
 * Suffixes that are not public DNS: Let's Encrypt issues only for names ending in a public (ICANN)
 * suffix (Boulder's WellFormedDomainNames: "MUST end in a public suffix", LE_POLICY).
 */
const NON_PUBLIC_SUFFIXES: Array<[string, string]> = [
  ["test", "reserved for testing by RFC 6761"],
  ["localhost", "reserved for loopback by RFC 6761"],
  ["invalid", "reserved as never valid by RFC 6761"],
  ["example", "reserved for documentation by RFC 6761"],
  ["local", "multicast DNS only (RFC 6762)"],
  ["onion", "Tor onion services only (RFC 7686)"],
  ["home.arpa", "home networks only (RFC 8375)"],
  ["internal", "reserved by ICANN for private use (ICANN board resolution 2024.07.29.06)"],
  ["alt", "reserved for non-DNS names (RFC 9476)"],
  ["lan", "not a delegated top-level domain (private networks only)"],
  ["home", "not delegated: ICANN withdrew it for name collisions (ICANN board resolution 2018.02.04.12)"],
  ["corp", "not delegated: ICANN withdrew it for name collisions (ICANN board resolution 2018.02.04.12)"],
  ["mail", "not delegated: ICANN withdrew it for name collisions (ICANN board resolution 2018.02.04.12)"],
  ["intranet", "not a delegated top-level domain (private networks only)"],
  ["private", "not a delegated top-level domain (private networks only)"],
];

/** The non-public suffix a name ends in, with why; undefined for a name under a public suffix. */
export function nonPublicSuffix(domain: string): [string, string] | undefined {
  return NON_PUBLIC_SUFFIXES.find(([suffix]) => isUnder(domain, suffix));
}

/** The second-level names RFC 2606 §3 reserves for documentation; nobody can point them at a gateway. */
const EXAMPLE_DOMAINS = ["example.com", "example.net", "example.org"];

function domainNameProblem(domain: unknown): string | undefined {
  if (typeof domain !== "string") return undefined;
  const suffix = nonPublicSuffix(domain);
  if (suffix) {
    return `Let's Encrypt issues certificates only for names under a public suffix (${LE_POLICY}); ".${suffix[0]}" is ${suffix[1]}: use a public domain you control`;
  }
  return undefined;
}

function acmeEmailProblem(email: unknown): string | undefined {
  if (typeof email !== "string" || !email.includes("@")) return undefined;
  const domain = email.slice(email.lastIndexOf("@") + 1);
  const suffix = nonPublicSuffix(domain);
  if (suffix) {
    return `Let's Encrypt refuses a contact address whose domain is not under a public suffix (${LE_POLICY}, ValidEmail); ".${suffix[0]}" is ${suffix[1]}`;
  }
  return undefined;
}

// ---------------------------------------------------------------- downloads, watchdog

/**
 * The shortest stall the watchdog settings may tolerate (toleratedStallSeconds). The longest a healthy
 * gateway went without answering /healthz: 19 s under TCG emulation, right after its start while it
 * starts channels and sidecars (the VM proof's rehearsal, __tests__/vm/harness/probe.ts); natively, the
 * real openclaw 2026.9.6 on the 2-core test machine (2026-11-30, a GET every 0.2 s from spawn to 75 s)
 * answered every GET after its first 200, its slowest in 2.4 s idle and 4.1 s with four busy loops
 * on top of a load average of 14 (longest gap between two live answers: 4.4 s). 60 s is 3× the
 * emulated stall; a stall past the tolerance costs one replacement (the refresh path's downtime).
 */
export const MIN_TOLERATED_STALL_SECONDS = 60;

function watchdogProblem(watchdog: unknown): RuleProblem | undefined {
  if (!isObject(watchdog)) return undefined;
  const { intervalSeconds: interval, failuresBeforeReplacement: failures } = watchdog;
  if (!Number.isInteger(interval) || !Number.isInteger(failures) || (interval as number) <= 0 || (failures as number) <= 0) return undefined;
  const stall = toleratedStallSeconds({ intervalSeconds: interval as number, failuresBeforeReplacement: failures as number });
  if (stall >= MIN_TOLERATED_STALL_SECONDS) return undefined;
  return {
    setting: "watchdog", value: { intervalSeconds: interval, failuresBeforeReplacement: failures },
    allowed: `a healthy gateway that stalls for more than intervalSeconds × (failuresBeforeReplacement − 1) + ${WATCHDOG_GET_TIMEOUT_SECONDS} s (the GET timeout) = ${stall} s would be replaced; make it at least ${MIN_TOLERATED_STALL_SECONDS} s, 3× the longest stall measured (19 s under emulation, docs/operating.md "Watchdog") (default ${DEFAULT_WATCHDOG.intervalSeconds} s × ${DEFAULT_WATCHDOG.failuresBeforeReplacement}: ${toleratedStallSeconds(DEFAULT_WATCHDOG)} s)`,
  };
}

// ---------------------------------------------------------------- S3 backend

/** S3 general purpose bucket naming rules beyond the basic shape (BUCKET_DOCS, read 2026-11-30). */
export function s3BucketNameProblem(bucket: string): string | undefined {
  const rules: Array<[boolean, string]> = [
    [bucket.length < 3 || bucket.length > 63, "must be 3–63 characters long"],
    [!/^[a-z0-9.-]*$/.test(bucket), "may contain only lowercase letters, digits, dots and hyphens"],
    [!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket), "must begin and end with a letter or digit"],
    [bucket.includes(".."), "must not contain two adjacent dots"],
    [/\.-|-\./.test(bucket), "must not have a dot next to a hyphen (not a valid DNS name for virtual-hosted access)"],
    [/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket), "must not be formatted as an IP address"],
    [bucket.startsWith("xn--"), "must not start with \"xn--\""],
    [bucket.startsWith("sthree-"), "must not start with \"sthree-\""],
    [bucket.startsWith("amzn-s3-demo-"), "must not start with \"amzn-s3-demo-\""],
    [bucket.endsWith("-s3alias"), "must not end with \"-s3alias\" (reserved for access point aliases)"],
    [bucket.endsWith("--ol-s3"), "must not end with \"--ol-s3\" (reserved for Object Lambda access point aliases)"],
    [bucket.endsWith(".mrap"), "must not end with \".mrap\" (reserved for Multi-Region Access Points)"],
    [bucket.endsWith("--x-s3"), "must not end with \"--x-s3\" (reserved for directory buckets)"],
    [bucket.endsWith("--table-s3"), "must not end with \"--table-s3\" (reserved for table buckets)"],
  ];
  const broken = rules.filter(([fails]) => fails).map(([, rule]) => rule);
  return broken.length > 0 ? `an S3 bucket name ${broken.join("; ")} (${BUCKET_DOCS})` : undefined;
}

/** Terraform's S3 backend and S3 object key rules for the state key. */
export function s3StateKeyProblem(key: string): string | undefined {
  const rules: Array<[boolean, string]> = [
    [key.length === 0 || Buffer.byteLength(key, "utf8") > 1024, "must be 1–1024 bytes (S3 object key limit)"],
    [key.startsWith("/"), "must not start with \"/\" (Terraform's S3 backend refuses it: S3 strips the slash and workspaces break, hashicorp/terraform#15738)"],
    [key.endsWith("/"), "must not end with \"/\" (that names a folder: no state file is written, hashicorp/terraform#23385)"],
  ];
  const broken = rules.filter(([fails]) => fails).map(([, rule]) => rule);
  return broken.length > 0 ? `the state key ${broken.join("; ")} (${S3_BACKEND_DOCS})` : undefined;
}

function backendProblems(backend: unknown): RuleProblem[] {
  if (!isObject(backend) || backend.type !== "s3") return [];
  const problems: RuleProblem[] = [];
  if (typeof backend.bucket === "string") {
    const problem = s3BucketNameProblem(backend.bucket);
    if (problem) problems.push({ setting: "backend.bucket", value: backend.bucket, allowed: problem });
  }
  if (typeof backend.key === "string") {
    const problem = s3StateKeyProblem(backend.key);
    if (problem) problems.push({ setting: "backend.key", value: backend.key, allowed: problem });
  }
  return problems;
}

// ---------------------------------------------------------------- the three entry points

/**
 * Rules of the real services (AWS limits, Let's Encrypt) for one environment, after defaults.
 * Total: never throws, whatever the (possibly ill-typed) values are.
 */
export function environmentRuleProblems(s: GatewaySettings): RuleProblem[] {
  if (!isObject(s)) return [];
  const problems: RuleProblem[] = [];
  const single = (setting: string, value: unknown, allowed: string | undefined) => {
    if (allowed) problems.push({ setting, value, allowed });
  };
  single("availabilityZone", s.availabilityZone, availabilityZoneProblem(s.region, s.availabilityZone));
  single("domainName", s.domainName, domainNameProblem(s.domainName));
  single("acmeEmail", s.acmeEmail, acmeEmailProblem(s.acmeEmail));
  single("vpcCidr", s.vpcCidr, vpcCidrProblem(s.vpcCidr));
  problems.push(...allowedCidrProblems(s.allowedCidrs));
  const narrowed = narrowedWithoutZoneProblem(s);
  if (narrowed) problems.push(narrowed);
  problems.push(...tagProblems(s.tags));
  const watchdog = watchdogProblem(s.watchdog);
  if (watchdog) problems.push(watchdog);
  problems.push(...backendProblems(s.backend));
  return problems;
}

/** The name Route53 and Let's Encrypt compare: lower case, no trailing dot. */
const normalDomain = (domain: string): string => domain.toLowerCase().replace(/\.$/, "");

/** Rules across environments (same domain, same Route53 record, …); each problem names its environment. */
export function crossEnvironmentProblems(all: GatewaySettings[]): Array<RuleProblem & { environment: string }> {
  if (!Array.isArray(all)) return [];
  const problems: Array<RuleProblem & { environment: string }> = [];
  const firstByDomain = new Map<string, GatewaySettings>();
  for (const s of all) {
    if (!isObject(s) || typeof s.domainName !== "string") continue;
    const domain = normalDomain(s.domainName);
    const first = firstByDomain.get(domain);
    if (!first) {
      firstByDomain.set(domain, s);
      continue;
    }
    const sameRecord = first.hostedZoneId !== undefined && first.hostedZoneId === s.hostedZoneId;
    problems.push({
      environment: s.environment, setting: "domainName", value: s.domainName,
      allowed: `is also the domainName of environment "${first.environment}": each environment needs its own name, `
        + "since only the host the name points at can answer Let's Encrypt's TLS-ALPN-01 challenge, so the other could never get a certificate"
        + (sameRecord ? `; both would also own the same Route53 A record (${domain} in hosted zone ${s.hostedZoneId}), each deploy overwriting the other's address` : ""),
    });
  }
  return problems;
}

/** Placeholder and example values: synth warns; plan/deploy refuse (Terraform precondition). */
export function placeholderWarnings(s: GatewaySettings): PlaceholderWarning[] {
  if (!isObject(s)) return [];
  const warnings: PlaceholderWarning[] = [];
  if (typeof s.domainName === "string") {
    const example = EXAMPLE_DOMAINS.find((d) => isUnder(s.domainName, d));
    if (example) {
      warnings.push({
        setting: "domainName", value: s.domainName,
        why: `${example} is reserved for documentation (RFC 2606 §3): nobody can point it at your gateway, so Let's Encrypt can never issue its certificate; set a domain you control`,
      });
    }
  }
  if (typeof s.acmeEmail === "string" && s.acmeEmail.includes("@")) {
    const domain = s.acmeEmail.slice(s.acmeEmail.lastIndexOf("@") + 1);
    const example = EXAMPLE_DOMAINS.find((d) => isUnder(domain, d));
    if (example) {
      warnings.push({
        setting: "acmeEmail", value: s.acmeEmail,
        why: `Let's Encrypt refuses contact addresses at ${EXAMPLE_DOMAINS.join(", ")} (${LE_POLICY}, forbiddenMailDomains), and ${example} (RFC 2606 §3) receives no mail; set an address you read`,
      });
    }
  }
  return warnings;
}
