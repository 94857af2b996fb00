import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import {
  DEFAULT_WATCHDOG, GatewaySettings, GatewaySettingsInput, resolveEnvironment, resolveSettingsFile, SettingsError, toleratedStallSeconds,
  WATCHDOG_GET_TIMEOUT_SECONDS,
} from "../../modules/settings/settings";
import {
  AWS_MAX_TAGS_PER_RESOURCE, crossEnvironmentProblems, environmentRuleProblems, MIN_TOLERATED_STALL_SECONDS,
  OWN_TAGS_MAX_PER_RESOURCE, placeholderWarnings, SECURITY_GROUP_INBOUND_RULES,
} from "../../modules/settings/rules";
import { AWS_REGION_ZONES, AWS_REGIONS, zonesOf } from "../../modules/settings/aws-regions";
import { OpenClawStack } from "../../modules/stack";
import { TEST_DOMAIN, TEST_EMAIL, testSettings } from "../helpers/settings";

const ROOT = path.resolve(__dirname, "../..");

/** Every problem of one environment: the required values plus the overrides. */
function problemsOf(overrides: Record<string, unknown>) {
  return resolveEnvironment({ environment: "test", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, ...overrides }).problems;
}

/** A well-formed Route53 hosted zone id (DNS-01: allowedCidrs may be narrowed). */
const ZONE = "Z0123456789ABCDEFGHIJ";

/** n distinct, valid tags. */
const manyTags = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`team-${i}`, `value ${i}`]));
/** n distinct /32 CIDRs from 203.0.113.0/24 (documentation range, RFC 5737). */
const manyCidrs = (n: number): string[] => Array.from({ length: n }, (_, i) => `203.0.${113 + Math.floor(i / 256)}.${i % 256}/32`);

/**
 * Each bad input, the setting the refusal must name, and a fragment of the message (the rule or
 * its source). Every one of them synthesized before this file's rules existed, or crashed.
 */
const BAD: Array<[string, Record<string, unknown>, string, string | RegExp]> = [
  // regions and zones (dated table, modules/settings/aws-regions.ts)
  ["China region (another partition)", { region: "cn-north-1" }, "region", "AWS commercial regions as of"],
  ["GovCloud region", { region: "us-gov-west-1" }, "region", "allowed regions"],
  ["region in upper case", { region: "US-EAST-1" }, "region", "allowed regions"],
  ["region that is a prototype key", { region: "constructor" }, "region", "allowed regions"],
  ["region with a stray )", { region: "us-east-1)" }, "region", "allowed regions"],
  ["region with regex syntax", { region: "us-east-1|.*" }, "region", "allowed regions"],
  ["zone letter that does not exist", { availabilityZone: "us-east-1g" }, "availabilityZone", "us-east-1a, us-east-1b"],
  ["eu-west-1 has no zone d", { region: "eu-west-1", availabilityZone: "eu-west-1d" }, "availabilityZone", "aws-availability-zones"],
  ["ap-southeast-6 has no zone d", { region: "ap-southeast-6", availabilityZone: "ap-southeast-6d" }, "availabilityZone", "ap-southeast-6c"],
  ["zone of another region", { region: "eu-west-1", availabilityZone: "us-east-1a" }, "availabilityZone", "zone of region eu-west-1"],
  ["zone with a digit", { availabilityZone: "us-east-11" }, "availabilityZone", "one letter"],
  ["zone with upper case", { availabilityZone: "us-east-1A" }, "availabilityZone", "one letter"],
  // tags (AWS tag rules; our reserved keys)
  ["45 tags (with our 6, 51 on the snapshots)", { tags: manyTags(45) }, "tags", "at most 50 tags per resource"],
  ["empty tag key", { tags: { "": "x" } }, "tags[\"\"]", "must not be empty"],
  ["tag key of 129 characters", { tags: { ["k".repeat(129)]: "x" } }, `tags.${"k".repeat(129)}`, "at most 128"],
  ["tag value of 257 characters", { tags: { team: "v".repeat(257) } }, "tags.team", "at most 256"],
  ["tag value of 129 astral letters + 128 more", { tags: { team: "𝒜".repeat(257) } }, "tags.team", "at most 256"],
  ["tag key with #", { tags: { "team#1": "x" } }, "tags[\"team#1\"]", "_ . : / = + - @"],
  ["tag key with a comma", { tags: { "a,b": "x" } }, "tags[\"a,b\"]", "IAM, KMS and SSM"],
  ["tag value with a comma", { tags: { team: "a,b" } }, "tags.team", "tag values may contain only"],
  ["tag value with an emoji", { tags: { team: "rocket 🚀" } }, "tags.team", "tag values may contain only"],
  ["tag value that is a number", { tags: { team: 5 } }, "tags.team", "must be strings"],
  ["tag key aws:", { tags: { "aws:cost": "x" } }, "tags.aws:cost", "AWS reserves the prefix"],
  ["tag key AWS: in upper case", { tags: { "AWS:cost": "x" } }, "tags.AWS:cost", "in any case"],
  ["tag key openclaw:role", { tags: { "openclaw:role": "data-volume" } }, "tags.openclaw:role", "second match"],
  ["tag key OpenClaw: in mixed case", { tags: { "OpenClaw:team": "x" } }, "tags.OpenClaw:team", "reserves the prefix"],
  ["tag key managed-by", { tags: { "managed-by": "me" } }, "tags.managed-by", "sets \"managed-by\""],
  ["tag key Name", { tags: { Name: "mine" } }, "tags.Name", "sets \"Name\""],
  // allowedCidrs (security group quota, duplicates)
  ["61 allowed CIDRs", { allowedCidrs: manyCidrs(61), hostedZoneId: ZONE }, "allowedCidrs", "60 inbound IPv4 rules per security group"],
  // allowedCidrs narrowed without a hosted zone: TLS-ALPN-01 comes from undisclosed addresses (Let's Encrypt FAQ)
  ["narrowed allowedCidrs without a hosted zone", { allowedCidrs: ["203.0.113.0/24"] }, "allowedCidrs",
    /TLS-ALPN-01 .*letsencrypt\.org\/docs\/faq.*set hostedZoneId \(DNS-01 through Route53\)/],
  ["duplicate CIDR", { allowedCidrs: ["203.0.113.0/24", "198.51.100.0/24", "203.0.113.0/24"] }, "allowedCidrs[2]", "also allowedCidrs[0]"],
  ["CIDR inside another", { allowedCidrs: ["203.0.113.0/24", "203.0.113.128/25"] }, "allowedCidrs[1]", "inside allowedCidrs[0]"],
  ["anything besides 0.0.0.0/0", { allowedCidrs: ["198.51.100.7/32", "0.0.0.0/0"] }, "allowedCidrs[0]", "inside allowedCidrs[1]"],
  // vpcCidr (reserved ranges, RFC 1918)
  ["VPC in link-local (IMDS)", { vpcCidr: "169.254.0.0/16" }, "vpcCidr", "169.254.169.254"],
  ["VPC on Docker's/AWS's 172.17.0.0/16", { vpcCidr: "172.17.0.0/16" }, "vpcCidr", "vpc-cidr-blocks"],
  ["VPC overlapping 172.17.0.0/16", { vpcCidr: "172.17.128.0/20" }, "vpcCidr", "overlaps 172.17.0.0/16"],
  ["VPC in loopback", { vpcCidr: "127.0.0.0/16" }, "vpcCidr", "loopback"],
  ["VPC in 0.0.0.0/8", { vpcCidr: "0.0.0.0/16" }, "vpcCidr", "this network"],
  ["VPC in carrier-grade NAT space", { vpcCidr: "100.64.0.0/16" }, "vpcCidr", "RFC 6598"],
  ["VPC in multicast", { vpcCidr: "224.0.0.0/16" }, "vpcCidr", "multicast"],
  ["VPC in reserved 240/4", { vpcCidr: "255.255.0.0/16" }, "vpcCidr", "reserved"],
  ["VPC on public addresses", { vpcCidr: "8.8.0.0/16" }, "vpcCidr", "RFC 1918"],
  ["VPC just past 172.16.0.0/12", { vpcCidr: "172.32.0.0/16" }, "vpcCidr", "RFC 1918"],
  // S3 backend (bucket naming rules, Terraform's key rules)
  ["bucket shaped like an IP address", { backend: { type: "s3", bucket: "192.168.5.4" } }, "backend.bucket", "IP address"],
  ["bucket with xn-- prefix", { backend: { type: "s3", bucket: "xn--state" } }, "backend.bucket", "xn--"],
  ["bucket with sthree- prefix", { backend: { type: "s3", bucket: "sthree-state" } }, "backend.bucket", "sthree-"],
  ["bucket with amzn-s3-demo- prefix", { backend: { type: "s3", bucket: "amzn-s3-demo-state" } }, "backend.bucket", "amzn-s3-demo-"],
  ["bucket with -s3alias suffix", { backend: { type: "s3", bucket: "state-s3alias" } }, "backend.bucket", "-s3alias"],
  ["bucket with --ol-s3 suffix", { backend: { type: "s3", bucket: "state--ol-s3" } }, "backend.bucket", "--ol-s3"],
  ["bucket with .mrap suffix", { backend: { type: "s3", bucket: "state.mrap" } }, "backend.bucket", ".mrap"],
  ["bucket with --x-s3 suffix", { backend: { type: "s3", bucket: "state--x-s3" } }, "backend.bucket", "--x-s3"],
  ["bucket with --table-s3 suffix", { backend: { type: "s3", bucket: "state--table-s3" } }, "backend.bucket", "--table-s3"],
  ["bucket with a dot next to a hyphen", { backend: { type: "s3", bucket: "state.-bucket" } }, "backend.bucket", "dot next to a hyphen"],
  ["bucket with two adjacent dots", { backend: { type: "s3", bucket: "state..bucket" } }, "backend.bucket", "two adjacent dots"],
  ["bucket of 2 characters", { backend: { type: "s3", bucket: "ab" } }, "backend.bucket", "3–63"],
  ["bucket of 64 characters", { backend: { type: "s3", bucket: "a".repeat(64) } }, "backend.bucket", "3–63"],
  ["bucket with upper case", { backend: { type: "s3", bucket: "State" } }, "backend.bucket", "lowercase"],
  ["bucket ending in a hyphen", { backend: { type: "s3", bucket: "state-" } }, "backend.bucket", "begin and end"],
  ["state key with a leading /", { backend: { type: "s3", bucket: "state", key: "/prod.tfstate" } }, "backend.key", "#15738"],
  ["state key ending in /", { backend: { type: "s3", bucket: "state", key: "states/" } }, "backend.key", "folder"],
  // download URLs (the URL parser trims silently)
  ["URL with a leading space", { downloads: { nodeBaseUrl: " https://nodejs.org/dist" } }, "downloads.nodeBaseUrl", "spaces"],
  ["URL with a trailing space", { downloads: { npmRegistry: "https://registry.npmjs.org/ " } }, "downloads.npmRegistry", "silently"],
  ["URL with a tab inside", { downloads: { traefikBaseUrl: "https://github.com/traefik/\ttraefik" } }, "downloads.traefikBaseUrl", "tabs"],
  ["URL with a trailing newline", { downloads: { ssmAgentBaseUrl: "https://s3.amazonaws.com/x\n" } }, "downloads.ssmAgentBaseUrl", "newlines"],
  ["URL with a control character", { downloads: { nodeBaseUrl: "https://nodejs.org/\u0000dist" } }, "downloads.nodeBaseUrl", "control characters"],
  // watchdog (the stall a healthy gateway may have, interval × (N − 1) + the GET timeout, vs 3× the longest measured)
  ["watchdog tolerating 15 × 3 + 10 = 55 s", { watchdog: { intervalSeconds: 15, failuresBeforeReplacement: 4 } }, "watchdog", "= 55 s would be replaced"],
  ["watchdog tolerating 49 × 1 + 10 = 59 s", { watchdog: { intervalSeconds: 49, failuresBeforeReplacement: 2 } }, "watchdog", "at least 60 s"],
  ["watchdog tolerating 24 × 2 + 10 = 58 s", { watchdog: { intervalSeconds: 24, failuresBeforeReplacement: 3 } }, "watchdog", "Watchdog"],
  // Let's Encrypt: names and contacts under non-public suffixes
  ["domain under .internal", { domainName: "gateway.corp.internal" }, "domainName", "reserved by ICANN for private use"],
  ["domain under .local", { domainName: "gateway.local" }, "domainName", "RFC 6762"],
  ["domain under .test", { domainName: "gateway.test" }, "domainName", "RFC 6761"],
  ["domain under .localhost", { domainName: "gateway.localhost" }, "domainName", "RFC 6761"],
  ["domain under .invalid", { domainName: "gateway.invalid" }, "domainName", "RFC 6761"],
  ["domain under .example", { domainName: "gateway.example" }, "domainName", "RFC 6761"],
  ["domain under .home.arpa", { domainName: "gateway.home.arpa" }, "domainName", "RFC 8375"],
  ["domain under .onion", { domainName: "gateway.onion" }, "domainName", "RFC 7686"],
  ["domain under .alt", { domainName: "gateway.alt" }, "domainName", "RFC 9476"],
  ["domain under .lan", { domainName: "gateway.lan" }, "domainName", "not a delegated"],
  ["domain under .corp", { domainName: "gateway.corp" }, "domainName", "name collisions"],
  ["domain under .home", { domainName: "gateway.home" }, "domainName", "name collisions"],
  ["contact e-mail under .local", { acmeEmail: "ops@mail.local" }, "acmeEmail", "ValidEmail"],
  ["contact e-mail under .internal", { acmeEmail: "ops@corp.internal" }, "acmeEmail", "public suffix"],
];

describe("rules of the real services: bad values are refused, naming the setting and the rule", () => {
  test.each(BAD)("%s", (_name, overrides, setting, fragment) => {
    const problems = problemsOf(overrides);
    const problem = problems.find((p) => p.setting === setting);
    expect(problem).toBeDefined();
    expect(problem!.allowed).toMatch(fragment instanceof RegExp ? fragment : new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });

  test(`the table holds ${BAD.length} bad inputs, each a distinct case`, () => {
    expect(new Set(BAD.map(([name]) => name)).size).toBe(BAD.length);
  });

  test("a region with a stray ) is one clean problem, not an Invalid regular expression crash", () => {
    expect(() => resolveEnvironment({ environment: "test", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, region: "us-east-1)" })).not.toThrow();
    expect(() => resolveEnvironment({ environment: "test", domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, region: "(", availabilityZone: "((" })).not.toThrow();
    expect(problemsOf({ region: "us-east-1)", availabilityZone: "us-east-1)a" }).map((p) => p.setting)).toEqual(["region"]);
  });
});

/** Values at the edges of each rule; every one must pass. */
const GOOD: Array<[string, Record<string, unknown>]> = [
  ["punycode TLD", { domainName: "gateway.example.xn--p1ai" }],
  ["punycode label and TLD", { domainName: "xn--80ak6aa92e.xn--p1ai" }],
  ["a label named internal under a public suffix", { domainName: "gateway.internal.clawops.dev" }],
  ["a name ending in -test", { domainName: "gateway.my-test.com" }],
  ["upper-case e-mail domain", { acmeEmail: "Ops@ClawOps.DEV" }],
  ["upper-case local part", { acmeEmail: "OPS@clawops.dev" }],
  ["e-mail at a punycode TLD", { acmeEmail: "ops@example.xn--p1ai" }],
  ["44 tags (50 with ours)", { tags: manyTags(AWS_MAX_TAGS_PER_RESOURCE - OWN_TAGS_MAX_PER_RESOURCE) }],
  ["tag key of 128, value of 256 characters", { tags: { ["k".repeat(128)]: "v".repeat(256) } }],
  ["tag key of 128 letters outside the BMP", { tags: { ["𝒜".repeat(128)]: "x" } }],
  ["empty tag value", { tags: { team: "" } }],
  ["every allowed tag character", { tags: { "a Z 0 _ . : / = + - @": "a Z 0 _ . : / = + - @" } }],
  ["letters of other scripts", { tags: { "équipe": "Zürich", "チーム": "東京" } }],
  ["a tag key that only contains aws", { tags: { "my-aws:team": "x", "openclaw-team": "y" } }],
  ["60 allowed CIDRs", { allowedCidrs: manyCidrs(SECURITY_GROUP_INBOUND_RULES), hostedZoneId: ZONE }],
  ["adjacent CIDRs", { allowedCidrs: ["203.0.113.0/25", "203.0.113.128/25"], hostedZoneId: ZONE }],
  ["narrowed allowedCidrs with a hosted zone (DNS-01)", { allowedCidrs: ["198.51.100.7/32"], hostedZoneId: ZONE }],
  ["0.0.0.0/0 among others without a hosted zone", { allowedCidrs: ["0.0.0.0/0"] }],
  ["VPC 10.0.0.0/16", { vpcCidr: "10.0.0.0/16" }],
  ["VPC 172.16.0.0/16 (beside 172.17)", { vpcCidr: "172.16.0.0/16" }],
  ["VPC 172.18.0.0/16 (beside 172.17)", { vpcCidr: "172.18.0.0/16" }],
  ["VPC at the top of 172.16.0.0/12", { vpcCidr: "172.31.255.0/24" }],
  ["VPC 192.168.255.0/24", { vpcCidr: "192.168.255.0/24" }],
  ["bucket of 3 characters", { backend: { type: "s3", bucket: "abc" } }],
  ["bucket of 63 characters with dots", { backend: { type: "s3", bucket: `a.${"b".repeat(59)}.c` } }],
  ["bucket that merely contains digits and dots", { backend: { type: "s3", bucket: "1.2.3.4.5" } }],
  ["state key with folders", { backend: { type: "s3", bucket: "state", key: "openclaw-aws/prod/terraform.tfstate" } }],
  ["URL with an encoded space", { downloads: { nodeBaseUrl: "https://mirror.clawops.dev/node%20dist" } }],
  ["watchdog tolerating exactly 60 s (50 × 1 + 10)", { watchdog: { intervalSeconds: 50, failuresBeforeReplacement: 2 } }],
  ["watchdog 20 s × 4 (tolerates 70 s)", { watchdog: { intervalSeconds: 20, failuresBeforeReplacement: 4 } }],
  ["watchdog 60 s × 5, the old default (tolerates 250 s)", { watchdog: { intervalSeconds: 60, failuresBeforeReplacement: 5 } }],
  ["newest zone letters", { region: "us-east-1", availabilityZone: "us-east-1f" }],
  ["a zone only older accounts see", { region: "us-west-1", availabilityZone: "us-west-1b" }],
  ["Tokyo's zone d", { region: "ap-northeast-1", availabilityZone: "ap-northeast-1d" }],
];

describe("valid values at the edges of each rule pass", () => {
  test.each(GOOD)("%s", (_name, overrides) => {
    expect(problemsOf(overrides)).toEqual([]);
  });

  test("every current commercial region passes with each of its zones, including the 2025–2026 launches", () => {
    for (const region of ["ap-southeast-6", "ap-east-2", "mx-central-1", "me-west-1", "sa-west-1", "ap-southeast-7", "ca-west-1"]) {
      expect(AWS_REGIONS).toContain(region);
    }
    expect(AWS_REGIONS).toHaveLength(36);
    for (const region of AWS_REGIONS) {
      for (const availabilityZone of zonesOf(region)) {
        expect([region, availabilityZone, problemsOf({ region, availabilityZone })]).toEqual([region, availabilityZone, []]);
      }
      expect(AWS_REGION_ZONES[region].length).toBeGreaterThanOrEqual(3);
    }
  });

  test("the region table lists exactly the regions of the installed AWS SDK's partition \"aws\" (the table's first source)", () => {
    // @aws-sdk/core (pinned by package-lock.json) ships AWS's partition metadata as one object literal.
    const file = path.join(path.dirname(require.resolve("@aws-sdk/core/package.json")), "dist-es/submodules/client/util-endpoints/lib/aws/partitions.js");
    const text = readFileSync(file, "utf8");
    const literal = /^export const partitionsInfo = (\{[\s\S]*\});\s*$/.exec(text);
    if (!literal) throw new Error(`${file} no longer has the shape this test reads: compare modules/settings/aws-regions.ts with the SDK by hand`);
    const aws = (JSON.parse(literal[1]).partitions as Array<{ id: string; regions: Record<string, unknown> }>).find((p) => p.id === "aws")!;
    const sdkRegions = Object.keys(aws.regions).filter((r) => r !== "aws-global").sort();
    expect([...AWS_REGIONS].sort()).toEqual(sdkRegions);
  });

  test("the default watchdog (15 s × 5) reports within 85 s yet tolerates a 70 s stall, 3× the longest measured one", () => {
    expect(DEFAULT_WATCHDOG).toEqual({ intervalSeconds: 15, failuresBeforeReplacement: 5 });
    expect(toleratedStallSeconds(DEFAULT_WATCHDOG)).toBe(15 * 4 + 10);
    expect(toleratedStallSeconds(DEFAULT_WATCHDOG)).toBeGreaterThanOrEqual(MIN_TOLERATED_STALL_SECONDS);
    expect(MIN_TOLERATED_STALL_SECONDS).toBeGreaterThanOrEqual(3 * 19);
    expect(WATCHDOG_GET_TIMEOUT_SECONDS).toBeLessThan(15); // below the smallest interval: checks never overlap
    expect(problemsOf({})).toEqual([]);
  });
});

describe("our own tags: the count the tag rule reserves is the most this project puts on one resource", () => {
  type Json = Record<string, any>;
  /** Tag keys per resource (or launched instance/volume, or DLM snapshot) of a synthesized stack. */
  function tagKeysPerResource(settings: GatewaySettings): Map<string, Set<string>> {
    const stack = new OpenClawStack(Testing.app(), settings);
    const config = JSON.parse(Testing.synth(stack)) as Json;
    const defaults = Object.keys(config.provider.aws[0].default_tags[0].tags);
    const result = new Map<string, Set<string>>();
    for (const [type, resources] of Object.entries(config.resource as Json)) {
      for (const [name, body] of Object.entries(resources as Json)) {
        const id = `${type}.${name}`;
        // Every resource that takes tags gets the provider's default tags (tags_all).
        if ("tags" in body) result.set(id, new Set([...defaults, ...Object.keys(body.tags)]));
        for (const spec of body.tag_specifications ?? []) result.set(`${id} → ${spec.resource_type}`, new Set(Object.keys(spec.tags)));
        if (Array.isArray(body.tag)) result.set(`${id} (propagated)`, new Set(body.tag.map((t: Json) => t.key)));
      }
    }
    // DLM snapshots copy the volume's tags (copy_tags) and add tags_to_add; DLM's own aws:dlm:* tags do not count.
    const [volume] = Object.keys(config.resource.aws_ebs_volume).map((n) => result.get(`aws_ebs_volume.${n}`)!);
    for (const [name, policy] of Object.entries(config.resource.aws_dlm_lifecycle_policy as Json)) {
      for (const schedule of [policy.policy_details].flat()[0].schedule) {
        expect(schedule.copy_tags).toBe(true);
        result.set(`aws_dlm_lifecycle_policy.${name} → snapshot`, new Set([...volume, ...Object.keys(schedule.tags_to_add ?? {})]));
      }
    }
    return result;
  }
  const most = (m: Map<string, Set<string>>) => Math.max(...[...m.values()].map((keys) => keys.size));

  test(`with no user tags the most tagged resource carries OWN_TAGS_MAX_PER_RESOURCE (${OWN_TAGS_MAX_PER_RESOURCE}) keys`, () => {
    const perResource = tagKeysPerResource(testSettings());
    expect(perResource.size).toBeGreaterThan(10);
    expect(most(perResource)).toBe(OWN_TAGS_MAX_PER_RESOURCE);
  });

  test("with the most user tags the rule allows, no resource carries more than AWS's 50", () => {
    const room = AWS_MAX_TAGS_PER_RESOURCE - OWN_TAGS_MAX_PER_RESOURCE;
    expect(most(tagKeysPerResource(testSettings({ tags: manyTags(room) })))).toBe(AWS_MAX_TAGS_PER_RESOURCE);
  });
});

describe("Let's Encrypt placeholders: synth warns, plan refuses", () => {
  const shipped = JSON.parse(readFileSync(path.join(ROOT, "settings.json"), "utf8"));

  test("the shipped settings.json still resolves (npm run synth works on it) and each placeholder is named", () => {
    const all = resolveSettingsFile(shipped, "settings.json", ROOT);
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) {
      const warnings = placeholderWarnings(s);
      expect(warnings.map((w) => [w.setting, w.value])).toEqual([["domainName", s.domainName], ["acmeEmail", s.acmeEmail]]);
      expect(warnings[0].why).toContain("RFC 2606");
      expect(warnings[1].why).toContain("forbiddenMailDomains");
    }
  });

  test.each([
    ["gateway.example.com", "ops@clawops.dev", ["domainName"]],
    ["example.net", "ops@clawops.dev", ["domainName"]],
    [TEST_DOMAIN, "ops@EXAMPLE.ORG", ["acmeEmail"]],
    [TEST_DOMAIN, "ops@mail.example.com", ["acmeEmail"]],
    ["gateway.myexample.org", "ops@example.org.clawops.dev", []],
    [TEST_DOMAIN, TEST_EMAIL, []],
  ])("domain %s, e-mail %s → placeholders %j", (domainName, acmeEmail, settings) => {
    const s = testSettings({ domainName, acmeEmail });
    expect(placeholderWarnings(s).map((w) => w.setting)).toEqual(settings);
  });

  type Json = Record<string, any>;
  const synthJson = (overrides: Partial<GatewaySettingsInput>): Json =>
    JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), testSettings(overrides))));
  const launchTemplate = (config: Json): Json => Object.values(config.resource.aws_launch_template as Json)[0];

  test("placeholders add a precondition on the launch template whose message names each setting", () => {
    const config = synthJson({ domainName: "gateway.example.org", acmeEmail: "ops@example.org" });
    expect(config.locals).toEqual({ openclaw_placeholder_settings: ["domainName", "acmeEmail"] });
    const [precondition] = launchTemplate(config).lifecycle.precondition;
    expect(precondition.condition).toBe("${length(local.openclaw_placeholder_settings) == 0}");
    expect(precondition.error_message).toContain("domainName = \"gateway.example.org\"");
    expect(precondition.error_message).toContain("acmeEmail = \"ops@example.org\"");
  });

  test("an e-mail with a Terraform template sequence stays literal text in the message", () => {
    const config = synthJson({ acmeEmail: "a${x}%{y}@example.org" });
    expect(launchTemplate(config).lifecycle.precondition[0].error_message).toContain("a$${x}%%{y}@example.org");
  });

  test("without placeholders there is no local and no precondition (nothing extra in the plan)", () => {
    const config = synthJson({});
    expect(config.locals).toBeUndefined();
    expect(launchTemplate(config).lifecycle).toBeUndefined();
  });
});

describe("across environments: one domain, one environment", () => {
  const env = (environment: string, extra: Record<string, unknown> = {}) =>
    ({ environment, domainName: TEST_DOMAIN, acmeEmail: TEST_EMAIL, ...extra });

  test("two environments with the same domainName are refused, naming both", () => {
    const problems = crossEnvironmentProblems([testSettings({ environment: "prod" }), testSettings({ environment: "staging" })]);
    expect(problems).toEqual([expect.objectContaining({ environment: "staging", setting: "domainName", value: TEST_DOMAIN })]);
    expect(problems[0].allowed).toContain("environment \"prod\"");
    expect(problems[0].allowed).toContain("could never get a certificate");
  });

  test("the same Route53 record (zone + name) is named as such", () => {
    const zone = "Z0123456789ABCDEFGHIJ";
    const [problem] = crossEnvironmentProblems([
      testSettings({ environment: "prod", hostedZoneId: zone }), testSettings({ environment: "staging", hostedZoneId: zone }),
    ]);
    expect(problem.allowed).toContain(`same Route53 A record (${TEST_DOMAIN} in hosted zone ${zone})`);
  });

  test("different domains in one zone pass", () => {
    const zone = "Z0123456789ABCDEFGHIJ";
    expect(crossEnvironmentProblems([
      testSettings({ environment: "prod", hostedZoneId: zone }),
      testSettings({ environment: "staging", hostedZoneId: zone, domainName: "staging.clawops.dev" }),
    ])).toEqual([]);
  });

  test("through the settings file: one refusal naming both environments", () => {
    let error: unknown;
    try {
      resolveSettingsFile({ environments: [env("prod"), env("staging", { vpcCidr: "10.43.0.0/16" })] }, "settings.json", ROOT);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const lines = (error as SettingsError).problems.filter((p) => p.setting === "domainName");
    expect(lines).toHaveLength(1);
    expect(lines[0].environment).toBe("staging");
    expect(lines[0].allowed).toContain("\"prod\"");
  });
});

describe("the rules are total: ill-typed values never throw", () => {
  const garbage: unknown[] = [
    {}, { tags: 5 }, { tags: null }, { allowedCidrs: "0.0.0.0/0" }, { allowedCidrs: [1, null, "x"] }, { watchdog: null },
    { watchdog: { intervalSeconds: "60", failuresBeforeReplacement: 5 } }, { backend: 3 }, { backend: { type: "s3", bucket: 7, key: [] } },
    { region: 5, availabilityZone: {} }, { domainName: 1, acmeEmail: ["@"] }, { vpcCidr: 10 },
  ];
  test.each(garbage.map((g) => [JSON.stringify(g), g]))("%s", (_name, value) => {
    expect(() => environmentRuleProblems(value as GatewaySettings)).not.toThrow();
    expect(() => placeholderWarnings(value as GatewaySettings)).not.toThrow();
    expect(() => crossEnvironmentProblems([value as GatewaySettings, value as GatewaySettings])).not.toThrow();
  });
  test("non-objects", () => {
    for (const value of [null, undefined, 3, "x", []]) {
      expect(environmentRuleProblems(value as never)).toEqual([]);
      expect(placeholderWarnings(value as never)).toEqual([]);
      expect(crossEnvironmentProblems(value as never)).toEqual([]);
    }
  });
});
