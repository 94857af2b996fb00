import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  resolveSettings, resolveSettingsFile, SettingsError, subnetCidrOf, nodeSatisfiesOpenclaw, parseIpv4Cidr, problemLine,
} from "../../modules/settings/settings";
import { architectureOf } from "../../modules/settings/instance-types";
import { testSettings } from "../helpers/settings";

describe("settings defaults", () => {
  test("GIVEN only the required values THEN every documented default applies", () => {
    const s = testSettings();
    expect(s).toMatchObject({
      region: "us-east-1", availabilityZone: "us-east-1a", instanceType: "t4g.small", hostOs: "al2023",
      dataVolumeSizeGiB: 20, snapshotRetentionCount: 7, vpcCidr: "10.42.0.0/16", allowedCidrs: ["0.0.0.0/0"],
      versions: { openclaw: "2026.9.6", node: "24.21.0", traefik: "3.7.9" }, acmeDirectory: "production", dnsWaitSeconds: 600,
      downloads: { nodeBaseUrl: "https://nodejs.org/dist", npmRegistry: "https://registry.npmjs.org/" },
      watchdog: { intervalSeconds: 15, failuresBeforeReplacement: 5 },
      tags: {}, backend: { type: "local" }, alerts: [],
    });
    expect(s.hostedZoneId).toBeUndefined();
  });

  test("architecture follows the instance type", () => {
    expect(architectureOf("t4g.small")).toBe("arm64");
    expect(architectureOf("m7g.large")).toBe("arm64");
    expect(architectureOf("t3.small")).toBe("x86_64");
    expect(architectureOf("c7i.xlarge")).toBe("x86_64");
  });

  test("the public subnet is the first /24 of the VPC", () => {
    expect(subnetCidrOf("10.42.0.0/16")).toBe("10.42.0.0/24");
    expect(subnetCidrOf("172.16.8.0/22")).toBe("172.16.8.0/24");
  });

  test("node versions are checked against openclaw's engines range", () => {
    expect(nodeSatisfiesOpenclaw("24.16.0")).toBe(true);
    expect(nodeSatisfiesOpenclaw("24.15.9")).toBe(false);
    expect(nodeSatisfiesOpenclaw("25.2.0")).toBe(false);
    expect(nodeSatisfiesOpenclaw("26.1.0")).toBe(true);
    expect(nodeSatisfiesOpenclaw("26.0.0")).toBe(false);
  });

  test("CIDRs with host bits set are not canonical", () => {
    expect(parseIpv4Cidr("10.0.0.0/8")).toEqual({ address: 167772160, prefix: 8 });
    expect(parseIpv4Cidr("10.0.0.1/8")).toBeUndefined();
  });
});

/** Each bad input, the setting the error must name, and a fragment of what is allowed. */
const BAD_INPUTS: Array<[string, Record<string, unknown>, string, string]> = [
  ["environment with uppercase", { environment: "Prod" }, "environment", "lowercase"],
  ["environment too long", { environment: "a".repeat(21) }, "environment", "1–20"],
  ["unknown region", { region: "us-east-9" }, "region", "allowed regions"],
  ["AZ not in region", { region: "eu-west-1", availabilityZone: "us-east-1a" }, "availabilityZone", "zone of region eu-west-1"],
  ["malformed AZ", { availabilityZone: "us-east-1" }, "availabilityZone", "us-east-1a"],
  ["domain without a dot", { domainName: "localhost" }, "domainName", "fully qualified"],
  ["domain with a scheme", { domainName: "https://gateway.example.org" }, "domainName", "fully qualified"],
  ["domain with uppercase", { domainName: "Gateway.Example.org" }, "domainName", "lowercase"],
  ["e-mail without @", { acmeEmail: "ops.example.org" }, "acmeEmail", "e-mail address"],
  ["e-mail without domain dot", { acmeEmail: "ops@localhost" }, "acmeEmail", "e-mail address"],
  ["unknown instance family", { instanceType: "x9z.large" }, "instanceType", "unknown instance family"],
  ["Xen family without NVMe", { instanceType: "t2.micro" }, "instanceType", "allowed families"],
  ["too small an instance", { instanceType: "t4g.nano" }, "instanceType", "allowed sizes"],
  ["size the family lacks", { instanceType: "m7g.small" }, "instanceType", "large"],
  ["malformed instance type", { instanceType: "t4gsmall" }, "instanceType", "<family>.<size>"],
  ["burstable size AWS does not sell", { instanceType: "t4g.4xlarge" }, "instanceType", "largest is \"2xlarge\""],
  ["unknown host OS", { hostOs: "ubuntu24" }, "hostOs", "al2023, debian12"],
  ["volume too small", { dataVolumeSizeGiB: 4 }, "dataVolumeSizeGiB", "8 to 1024"],
  ["volume too large", { dataVolumeSizeGiB: 5000 }, "dataVolumeSizeGiB", "8 to 1024"],
  ["fractional volume size", { dataVolumeSizeGiB: 20.5 }, "dataVolumeSizeGiB", "whole number"],
  ["zero snapshots kept", { snapshotRetentionCount: 0 }, "snapshotRetentionCount", "1 to 365"],
  ["VPC CIDR with host bits", { vpcCidr: "10.42.1.0/16" }, "vpcCidr", "no host bits"],
  ["VPC CIDR octet out of range", { vpcCidr: "10.300.0.0/16" }, "vpcCidr", "IPv4 CIDR"],
  ["VPC too large", { vpcCidr: "10.0.0.0/8" }, "vpcCidr", "/16 to /24"],
  ["VPC too small", { vpcCidr: "10.42.0.0/28" }, "vpcCidr", "/16 to /24"],
  ["empty allowed CIDRs", { allowedCidrs: [] }, "allowedCidrs", "non-empty"],
  ["bad allowed CIDR", { allowedCidrs: ["203.0.113.7"] }, "allowedCidrs[0]", "IPv4 CIDR"],
  ["IPv6 allowed CIDR", { allowedCidrs: ["0.0.0.0/0", "::/0"] }, "allowedCidrs[1]", "IPv4 CIDR"],
  ["openclaw latest", { versions: { openclaw: "latest" } }, "versions.openclaw", "exact openclaw release"],
  ["openclaw range", { versions: { openclaw: "^2026.9.6" } }, "versions.openclaw", "no ranges"],
  ["node too old for openclaw", { versions: { node: "24.13.0" } }, "versions.node", ">=24.16.0"],
  ["node 22", { versions: { node: "22.20.0" } }, "versions.node", ">=24.16.0"],
  ["node major only", { versions: { node: "24" } }, "versions.node", "exact Node.js release"],
  ["traefik with v prefix", { versions: { traefik: "v3.6.2" } }, "versions.traefik", "no \"v\" prefix"],
  ["traefik v2", { versions: { traefik: "2.11.0" } }, "versions.traefik", "Traefik v3"],
  ["unknown version key", { versions: { python: "3.12" } }, "versions.python", "unknown setting"],
  ["ftp download URL", { downloads: { nodeBaseUrl: "ftp://mirror.example.org/node" } }, "downloads.nodeBaseUrl", "https"],
  ["relative download URL", { downloads: { traefikBaseUrl: "mirror/traefik" } }, "downloads.traefikBaseUrl", "absolute"],
  ["URL with credentials", { downloads: { npmRegistry: "https://u:p@npm.example.org/" } }, "downloads.npmRegistry", "credentials"],
  ["short sha256 pin", { downloads: { nodeSha256: "abc123" } }, "downloads.nodeSha256", "64 lowercase hex"],
  ["watchdog too eager", { watchdog: { intervalSeconds: 1 } }, "watchdog.intervalSeconds", "15 to 3600"],
  ["watchdog replaces on first failure", { watchdog: { failuresBeforeReplacement: 1 } }, "watchdog.failuresBeforeReplacement", "2 to 100"],
  ["no backup archive kept", { backups: { keep: 0 } }, "backups.keep", "whole number from 1 to 60"],
  ["two months of backup archives", { backups: { keep: 61 } }, "backups.keep", "whole number from 1 to 60"],
  ["backups kept as a string", { backups: { keep: "7" } }, "backups.keep", "whole number from 1 to 60"],
  ["typo in a backups key", { backups: { kept: 3 } }, "backups.kept", "unknown setting; allowed settings: keep"],
  ["backups as a number", { backups: 7 }, "backups", "must be an object"],
  ["malformed hosted zone", { hostedZoneId: "example.org" }, "hostedZoneId", "hosted zone id"],
  ["ACME directory by an unknown name", { acmeDirectory: "prod" }, "acmeDirectory", "\"production\" or \"staging\""],
  ["ACME directory over plain http", { acmeDirectory: "http://acme.example.org/directory" }, "acmeDirectory", "https URL"],
  ["ACME directory URL with a query", { acmeDirectory: "https://acme.example.org/directory?x=1" }, "acmeDirectory", "query"],
  ["DNS wait below 10 s", { dnsWaitSeconds: 5 }, "dnsWaitSeconds", "10 to 1800"],
  ["DNS wait of half an hour and more", { dnsWaitSeconds: 1801 }, "dnsWaitSeconds", "10 to 1800"],
  ["reserved tag key", { tags: { "aws:owner": "me" } }, "tags.aws:owner", "must not start with \"aws:\""],
  ["non-string tag value", { tags: { team: 7 } }, "tags.team", "strings"],
  ["unknown backend", { backend: { type: "gcs" } }, "backend", "\"type\":\"s3\""],
  ["S3 backend without bucket", { backend: { type: "s3" } }, "backend.bucket", "S3 bucket name"],
  ["S3 backend bad region", { backend: { type: "s3", bucket: "my-state", region: "mars-1" } }, "backend.region", "allowed regions"],
  ["typo in a setting name", { instancetype: "t4g.small" }, "instancetype", "unknown setting"],
  ["alerts as one string", { alerts: "ops@example.org" }, "alerts", "list of at most 10 distinct e-mail addresses"],
  ["alerts address without a domain", { alerts: ["ops@example.org", "oncall"] }, "alerts", "not an e-mail address: \"oncall\""],
  ["alerts address twice", { alerts: ["ops@example.org", "OPS@example.org"] }, "alerts", "listed twice: ops@example.org"],
  ["eleven alerts addresses", { alerts: Array.from({ length: 11 }, (_, i) => `ops${i}@example.org`) }, "alerts", "at most 10"],
];

describe("invalid settings are rejected at synth time", () => {
  test.each(BAD_INPUTS)("%s", (_label, overrides, setting, allowed) => {
    let error: unknown;
    try {
      testSettings(overrides as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    const problem = problems.find((p) => p.setting === setting);
    expect(problem).toBeDefined();
    // The line names the setting, shows the bad value and says what is allowed.
    const line = problemLine(problem!);
    expect(line).toMatch(new RegExp(`^${setting.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: got `));
    expect(line).toContain(allowed);
    expect((error as Error).message).toContain(`  ${line}`);
  });

  test("every problem is reported at once, not just the first", () => {
    expect(() => testSettings({ region: "nowhere", dataVolumeSizeGiB: 1, acmeEmail: "x" })).toThrow(
      /region: got "nowhere"[\s\S]*acmeEmail: got "x"[\s\S]*dataVolumeSizeGiB: got 1/);
  });

  test("required values missing", () => {
    expect(() => resolveSettings({ environment: "prod" })).toThrow(/domainName: got undefined[\s\S]*acmeEmail: got undefined/);
  });
});

describe("settings file", () => {
  test("the shipped settings.json resolves: prod (defaults) and staging (the example)", () => {
    const file = JSON.parse(readFileSync(path.join(__dirname, "../../settings.json"), "utf8"));
    const [prod, staging] = resolveSettingsFile(file);
    expect(prod.environment).toBe("prod");
    expect(prod.instanceType).toBe("t4g.small");
    expect(prod.tags).toEqual({ project: "openclaw" });
    expect(staging).toMatchObject({ environment: "staging", hostOs: "debian12", availabilityZone: "us-east-1b" });
  });

  test("defaults merge into each environment, nested objects key by key", () => {
    const [env] = resolveSettingsFile({
      defaults: { acmeEmail: "ops@example.org", versions: { traefik: "3.5.3" }, tags: { a: "1" } },
      environments: [{ environment: "dev", domainName: "dev.example.org", versions: { node: "24.20.0" }, tags: { b: "2" } }],
    });
    expect(env.versions).toEqual({ openclaw: "2026.9.6", node: "24.20.0", traefik: "3.5.3" });
    expect(env.tags).toEqual({ a: "1", b: "2" });
  });

  test("duplicate environment names are rejected", () => {
    const env = { environment: "dup", domainName: "a.example.org", acmeEmail: "ops@example.org" };
    expect(() => resolveSettingsFile({ environments: [env, env] })).toThrow(/^  dup › environment: got "dup"; is used twice \(environments\[0\], environments\[1\]\)/m);
  });

  test("an empty file names what is missing", () => {
    expect(() => resolveSettingsFile({})).toThrow(/^  environments: got undefined; must be a non-empty list/m);
  });

  test("errors name the environment they come from", () => {
    expect(() => resolveSettingsFile({ environments: [{ environment: "qa", domainName: "bad", acmeEmail: "ops@example.org" }] }))
      .toThrow(/^  qa › domainName: got "bad"; must be/m);
  });
});

/** A valid environment of a settings file, with overrides. */
const env = (name: string, overrides: Record<string, unknown> = {}) =>
  ({ environment: name, domainName: `${name}.example.org`, acmeEmail: "ops@example.org", ...overrides });

/** The SettingsError a settings file throws (fails the test when it resolves). */
function fileError(file: unknown, projectRoot = "/project"): SettingsError {
  try {
    resolveSettingsFile(file, "settings.json", projectRoot);
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error("the settings file resolved; expected a SettingsError");
}

describe("the settings file's own problems", () => {
  test("defaults that are not an object are refused, not ignored", () => {
    for (const defaults of [["region"], "eu-west-1", 7, null]) {
      const e = fileError({ defaults, environments: [env("prod")] });
      expect(e.problems).toEqual([expect.objectContaining({ setting: "defaults", value: defaults })]);
      expect(e.message).toContain("\n  defaults: got ");
      expect(e.message).toContain("must be an object of settings");
    }
  });

  test("a misspelled top-level key is named, with a did-you-mean", () => {
    const e = fileError({ enviroments: [env("prod")] });
    expect(e.message).toBe([
      "Invalid settings in settings.json:",
      "  enviroments: got [{\"environment\":\"prod\",\"domainName\":\"prod.example.org\",\"acmeEmail\":\"ops@example.org\"}]; "
        + "unknown top-level key; did you mean \"environments\"?; allowed top-level keys: $schema, defaults, environments, bootstrap",
      "  environments: got undefined; must be a non-empty list of environments, e.g. [{\"environment\":\"prod\",\"domainName\":\"…\",\"acmeEmail\":\"…\"}]",
    ].join("\n"));
  });

  test("an unknown key far from every allowed one gets no guess", () => {
    const e = fileError({ stacks: [], environments: [env("prod")] });
    expect(problemLine(e.problems[0])).toBe("stacks: got []; unknown top-level key; allowed top-level keys: $schema, defaults, environments, bootstrap");
  });

  test("a misspelled setting inside an environment or defaults gets a did-you-mean too", () => {
    const e = fileError({ defaults: { regoin: "eu-west-1" }, environments: [env("prod", { instancetype: "t4g.small" })] });
    expect(e.problems.map(problemLine)).toEqual([
      expect.stringMatching(/^defaults\.regoin: got "eu-west-1"; unknown setting; did you mean "defaults\.region"\?/),
      expect.stringMatching(/^prod › instancetype: got "t4g\.small"; unknown setting; did you mean "instanceType"\?/),
    ]);
  });

  test("environment inside defaults is refused (each environment names itself)", () => {
    const e = fileError({ defaults: { environment: "prod" }, environments: [env("prod")] });
    expect(e.problems.map(problemLine)).toEqual([
      "defaults.environment: got \"prod\"; not allowed in defaults: each entry of \"environments\" names its own environment",
    ]);
  });

  test("a file that is not an object", () => {
    expect(fileError([env("prod")]).problems.map(problemLine)).toEqual([
      expect.stringMatching(/^file: got \[.*\]; must be a JSON object with "environments"/),
    ]);
  });
});

describe("every environment's problems are reported at once", () => {
  test("two bad environments: one block, both named, in file order", () => {
    const e = fileError({
      defaults: { acmeEmail: "ops@example.org" },
      environments: [
        { environment: "prod", domainName: "gateway", dataVolumeSizeGiB: 4 },
        { environment: "staging", domainName: "staging.example.org", hostOs: "ubuntu24", snapshotRetentionCount: 0 },
      ],
    });
    const lines = e.message.split("\n");
    expect(lines[0]).toBe("Invalid settings in settings.json:");
    expect(lines.slice(1).map((l) => l.replace(/;.*/, ""))).toEqual([
      "  prod › domainName: got \"gateway\"",
      "  prod › dataVolumeSizeGiB: got 4",
      "  staging › hostOs: got \"ubuntu24\"",
      "  staging › snapshotRetentionCount: got 0",
    ]);
    expect(e.problems.map((p) => p.environment)).toEqual(["prod", "prod", "staging", "staging"]);
  });

  test("a bad value from defaults is reported in each environment, marked as coming from defaults", () => {
    const e = fileError({
      defaults: { hostOs: "ubuntu24", versions: { node: "22.1.0" } },
      environments: [env("prod"), env("staging", { hostOs: "debian12", versions: { openclaw: "2026.9.6" } }), env("dev", { versions: { node: "20.0.0" } })],
    });
    expect(e.problems.map((p) => problemLine(p).replace(/;.*/, ""))).toEqual([
      "prod › hostOs: got \"ubuntu24\" (from defaults)",
      "prod › versions.node: got \"22.1.0\" (from defaults)",
      "staging › versions.node: got \"22.1.0\" (from defaults)",
      "dev › hostOs: got \"ubuntu24\" (from defaults)",
      "dev › versions.node: got \"20.0.0\"",
    ]);
  });

  test("an environment without a usable name is named by its place in the list", () => {
    const e = fileError({ environments: [env("prod"), { domainName: "x.example.org", acmeEmail: "ops@example.org" }, 5] });
    expect(e.problems.map(problemLine)).toEqual([
      expect.stringMatching(/^environments\[1\] › environment: got undefined; must be 1–20 lowercase/),
      "environments[2] › environment: got 5; an environment must be an object of settings",
    ]);
  });
});

describe("backend merges from defaults; two environments never share one state", () => {
  test("a bucket in defaults and nothing per environment: each environment gets its own default key", () => {
    const [prod, staging] = resolveSettingsFile({
      defaults: { backend: { type: "s3", bucket: "acme-state", region: "eu-west-1" } },
      environments: [env("prod"), env("staging", { backend: { key: "custom/staging.tfstate" } })],
    }, "settings.json", "/project");
    expect(prod.backend).toEqual({ type: "s3", bucket: "acme-state", region: "eu-west-1" });
    expect(staging.backend).toEqual({ type: "s3", bucket: "acme-state", region: "eu-west-1", key: "custom/staging.tfstate" });
  });

  test("an environment's backend of another type replaces the default backend", () => {
    const [prod, dev] = resolveSettingsFile({
      defaults: { backend: { type: "s3", bucket: "acme-state" } },
      environments: [env("prod"), env("dev", { backend: { type: "local" } })],
    }, "settings.json", "/project");
    expect(prod.backend).toEqual({ type: "s3", bucket: "acme-state" });
    expect(dev.backend).toEqual({ type: "local" });
  });

  test("a bucket in defaults without a type merges with each environment's type", () => {
    const [prod] = resolveSettingsFile({
      defaults: { backend: { bucket: "acme-state" } },
      environments: [env("prod", { backend: { type: "s3" } })],
    }, "settings.json", "/project");
    expect(prod.backend).toEqual({ type: "s3", bucket: "acme-state" });
  });

  test("an s3 key in defaults is refused, naming both environments and what to do", () => {
    const e = fileError({
      defaults: { backend: { type: "s3", bucket: "acme-state", key: "openclaw.tfstate" } },
      environments: [env("prod"), env("staging")],
    });
    expect(e.problems.map(problemLine)).toEqual([
      "staging › backend.key: got \"openclaw.tfstate\" (from defaults); prod uses the same state (s3://acme-state/openclaw.tfstate (us-east-1)); "
        + "two stacks on one state would plan against each other — a key in defaults gives every environment the same state: "
        + "set backend.key per environment, or leave it out for the per-environment default \"openclaw-aws/<environment>.tfstate\"",
    ]);
  });

  test("a local path in defaults is refused the same way", () => {
    const e = fileError({ defaults: { backend: { type: "local", path: "state/openclaw.tfstate" } }, environments: [env("prod"), env("staging")] });
    expect(e.problems).toHaveLength(1);
    expect(problemLine(e.problems[0])).toBe(
      "staging › backend.path: got \"state/openclaw.tfstate\" (from defaults); prod uses the same state (local state file /project/state/openclaw.tfstate); "
        + "two stacks on one state would plan against each other — a path in defaults gives every environment the same state: "
        + "set backend.path per environment, or leave it out for the per-environment default \"terraform.<environment>.tfstate\" in the project root");
  });

  test("a path in defaults that every environment overrides is fine", () => {
    expect(resolveSettingsFile({
      defaults: { backend: { type: "local", path: "shared.tfstate" } },
      environments: [env("prod", { backend: { path: "prod.tfstate" } }), env("staging", { backend: { path: "staging.tfstate" } })],
    }, "settings.json", "/project").map((s) => s.backend)).toEqual([
      { type: "local", path: "prod.tfstate" }, { type: "local", path: "staging.tfstate" },
    ]);
  });

  test("two environments with the same explicit absolute path", () => {
    const backend = { type: "local", path: "/var/state/openclaw.tfstate" };
    const e = fileError({ environments: [env("prod", { backend }), env("staging", { backend }), env("dev", { backend })] });
    expect(e.problems.map(problemLine)).toEqual(["staging", "dev"].map((name) =>
      `${name} › backend.path: got "/var/state/openclaw.tfstate"; prod uses the same state (local state file /var/state/openclaw.tfstate); `
        + "two stacks on one state would plan against each other — give each environment its own backend.path"));
  });

  test("a relative and an absolute path that resolve to the same file (from the project root)", () => {
    const e = fileError({
      environments: [
        env("prod", { backend: { type: "local", path: "./state/../prod.tfstate" } }),
        env("staging", { backend: { type: "local", path: "/project/prod.tfstate" } }),
      ],
    }, "/project");
    expect(e.problems.map((p) => [p.environment, p.setting, p.value])).toEqual([["staging", "backend.path", "/project/prod.tfstate"]]);
    expect(e.problems[0].allowed).toMatch(/^prod uses the same state \(local state file \/project\/prod\.tfstate\)/);
    // From another project root, the same two paths are two files.
    expect(() => resolveSettingsFile({
      environments: [
        env("prod", { backend: { type: "local", path: "./state/../prod.tfstate" } }),
        env("staging", { backend: { type: "local", path: "/project/prod.tfstate" } }),
      ],
    }, "settings.json", "/elsewhere")).not.toThrow();
  });

  test("an explicit path equal to another environment's default path", () => {
    const e = fileError({ environments: [env("prod"), env("staging", { backend: { type: "local", path: "terraform.prod.tfstate" } })] });
    expect(problemLine(e.problems[0])).toMatch(/^staging › backend\.path: got "terraform\.prod\.tfstate"; prod uses the same state/);
  });

  test("the same bucket and key in two regions is one object (bucket names are global)", () => {
    const e = fileError({
      environments: [
        env("prod", { backend: { type: "s3", bucket: "acme-state", key: "a.tfstate" } }),
        env("staging", { region: "eu-west-1", backend: { type: "s3", bucket: "acme-state", key: "a.tfstate" } }),
      ],
    });
    expect(e.problems.map((p) => `${p.environment} ${p.setting}`)).toEqual(["staging backend.key"]);
  });

  test("the default states of distinct environments never collide", () => {
    expect(resolveSettingsFile({ environments: [env("prod"), env("staging"), env("dev")] }, "settings.json", "/project")).toHaveLength(3);
  });
});
