import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { RULES } from "../../modules/review/audit/rules";
import { SUPPRESSIONS } from "../../modules/review/audit/suppressions";
import { auditStack, openFindings, pathMatches, unusedSuppressions } from "../../modules/review/audit/engine";
import { buildReport, CATALOGUE_PATH } from "../../scripts/audit";
import { renderCatalogue, renderSarif, renderTerminal, sourceFileOf, sourceLineOf, CONSTRUCT_SOURCES } from "../../modules/review/audit/report";
import { synthesizeSettingsFile, decodeUserData } from "../../modules/review/audit/synth";
import { addressOf, auditFixture } from "../helpers/audit-fixtures";
import { requireInCi } from "../helpers/settings";
import "@microsoft/jest-sarif"; // toBeValidSarifLog: the official SARIF 2.1.0 schema, bundled

const ROOT = path.join(__dirname, "../..");

describe("audit of the project's settings.json", () => {
  const { inputs } = synthesizeSettingsFile(path.join(ROOT, "settings.json"));
  const report = buildReport(inputs, "settings.json", 0);

  test("synthesizes every environment and has no open finding", () => {
    expect(inputs.map((i) => i.stack).sort()).toEqual(["openclaw-prod", "openclaw-staging"]);
    expect(openFindings(report.stacks)).toEqual([]);
    expect(report.openFindings).toBe(0);
  });

  test("every by-design deviation is reported with its reason, none silently", () => {
    const suppressed = report.stacks.flatMap((s) => s.findings);
    expect(suppressed.length).toBe(report.suppressedFindings);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const f of suppressed) expect(SUPPRESSIONS.map((s) => s.reason)).toContain(f.suppressedBecause);
    const text = renderTerminal(report);
    for (const reason of new Set(suppressed.map((f) => f.suppressedBecause!))) expect(text).toContain(reason);
    expect(text).toMatch(/PASS: 0 open findings, \d+ suppressed/);
  });

  test("prod (allowedCidrs 0.0.0.0/0) shows the open-443 deviation; staging (one /24) does not", () => {
    const worldHttps = (stack: string) => report.stacks.find((s) => s.stack === stack)!.findings
      .filter((f) => f.ruleId === "SecurityGroupHttpsNotOpenToWorld");
    expect(worldHttps("openclaw-prod")).toHaveLength(1);
    expect(worldHttps("openclaw-staging")).toHaveLength(0);
  });

  test("no suppression is stale", () => {
    expect(unusedSuppressions(report.stacks, SUPPRESSIONS)).toEqual([]);
  });

  test("the decoded user data is the boot script the stack rendered", () => {
    for (const input of inputs) {
      expect(input.userData).toHaveLength(1);
      expect(input.userData[0].script.startsWith("#!/bin/bash")).toBe(true);
    }
  });

  test("SARIF 2.1.0: every rule described, one result per finding, suppressions carry their justification", () => {
    const sarif = renderSarif(report) as any;
    expect(sarif).toBeValidSarifLog();
    expect(sarif.version).toBe("2.1.0");
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: any) => r.id)).toEqual(RULES.map((r) => r.id));
    expect(run.results).toHaveLength(report.suppressedFindings + report.openFindings);
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^modules\/[a-z/-]+\.ts$/);
      expect(result.suppressions[0]).toEqual({ kind: "inSource", justification: expect.any(String) });
    }
  });

  test("SARIF points code scanning at the line that creates the construct", () => {
    const line = (file: string, n: number) => readFileSync(path.join(ROOT, file), "utf8").split("\n")[n - 1];
    expect(line("modules/constructs/host.ts", sourceLineOf("modules/constructs/host.ts", "openclaw-prod/host/launch-template"))).toMatch(/new LaunchTemplate\(this, "launch-template"/);
    expect(line("modules/constructs/host.ts", sourceLineOf("modules/constructs/host.ts", "openclaw-prod/host/https-in-0"))).toContain("`https-in-${i}`");
    expect(line("modules/constructs/network.ts", sourceLineOf("modules/constructs/network.ts", "openclaw-prod/network/public-subnet"))).toMatch(/new Subnet\(this, "public-subnet"/);
    expect(sourceLineOf("modules/constructs/host.ts", "x/host/no-such-construct")).toBe(1);
  });

  test("the source files SARIF points code scanning at exist", () => {
    for (const file of [...Object.values(CONSTRUCT_SOURCES), sourceFileOf("x/unknown/y")]) {
      expect(() => readFileSync(path.join(ROOT, file))).not.toThrow();
    }
  });
});

describe("an open finding", () => {
  test("GIVEN SSH opened on the host WHEN audited THEN the finding is open, names the construct, and fails the run", () => {
    const { input } = auditFixture((s) => {
      new VpcSecurityGroupIngressRule(s.host, "ssh", { securityGroupId: s.host.securityGroup.id, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" });
    });
    const report = buildReport([input], "fixture", 0);
    const open = openFindings(report.stacks);
    expect(open.map((f) => f.ruleId).sort()).toEqual(["SecurityGroupNoRemoteAdminPorts", "SecurityGroupNoWorldIngressExceptHttps"]);
    expect(open.every((f) => f.path === "openclaw-test/host/ssh")).toBe(true);
    expect(renderTerminal(report)).toMatch(/FAIL: 2 open finding\(s\)/);
    const sarif = renderSarif(report) as any;
    expect(sarif).toBeValidSarifLog();
    expect({ version: "2.1.0", runs: [{ results: [] }] }).not.toBeValidSarifLog(); // the schema check can fail
    expect(sarif.runs[0].results.filter((r: any) => !r.suppressions)).toHaveLength(2);
  });

  test("a suppression covers only its constructs: public IP on an extra aws_instance would stay open", () => {
    const { input, stack } = auditFixture();
    const audit = auditStack(input, RULES, SUPPRESSIONS);
    const publicIp = audit.findings.filter((f) => f.ruleId === "NoPublicIpOnInstances");
    expect(publicIp.map((f) => f.address).sort()).toEqual([addressOf(stack.host.launchTemplate), addressOf(stack.network.publicSubnet)].sort());
    const fake = { ...input, resources: [...input.resources, { type: "aws_instance", name: "x", address: "aws_instance.x", path: "p/x", config: { associate_public_ip_address: true } }] };
    const open = openFindings([auditStack(fake, RULES, SUPPRESSIONS)]);
    expect(open.map((f) => f.address)).toEqual(["aws_instance.x"]);
  });
});

describe("suppressions keyed by construct path", () => {
  test("a path names constructs below the stack; * stands for characters within one segment", () => {
    expect(pathMatches("host/https-in-*", "host/https-in-0")).toBe(true);
    expect(pathMatches("host/https-in-*", "host/https-in-12")).toBe(true);
    expect(pathMatches("host/https-in-*", "host/https-in-0/x")).toBe(false);
    expect(pathMatches("host/https-in-*", "host/ssh")).toBe(false);
    expect(pathMatches("network/vpc", "network/vpc")).toBe(true);
    expect(pathMatches("network/vpc", "network/vpcx")).toBe(false);
    expect(pathMatches("network/vp.", "network/vpc")).toBe(false); // no regular expressions
  });

  test("GIVEN world-open 443 on another construct WHEN audited THEN it stays open although the type is suppressed elsewhere", () => {
    const { input } = auditFixture((s) => {
      new VpcSecurityGroupIngressRule(s.host, "extra-443", { securityGroupId: s.host.securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" });
    });
    const audit = auditStack(input, RULES, SUPPRESSIONS);
    const worldHttps = audit.findings.filter((f) => f.ruleId === "SecurityGroupHttpsNotOpenToWorld");
    expect(worldHttps.map((f) => [f.path, f.suppressedBecause !== undefined]).sort()).toEqual([
      ["openclaw-test/host/extra-443", false], ["openclaw-test/host/https-in-0", true],
    ]);
  });

  test("GIVEN a suppression path that matches no finding WHEN checked THEN it is reported stale (the settings.json check above fails)", () => {
    const { input } = auditFixture();
    const flowLogs = SUPPRESSIONS.find((s) => s.ruleId === "VpcFlowLogsEnabled")!;
    const stale = { ...flowLogs, paths: [...flowLogs.paths, "network/renamed-vpc"] };
    const suppressions = SUPPRESSIONS.map((s) => (s === flowLogs ? stale : s));
    const audits = [auditStack(input, RULES, suppressions)];
    expect(unusedSuppressions(audits, suppressions)).toEqual([{ ...stale, paths: ["network/renamed-vpc"] }]);
    expect(unusedSuppressions(audits, SUPPRESSIONS)).toEqual([]);
  });
});

describe("decodeUserData", () => {
  test("reads gzip+base64 and plain base64", () => {
    expect(decodeUserData(Buffer.from("#!/bin/bash\necho hi\n").toString("base64"))).toBe("#!/bin/bash\necho hi\n");
  });
});

describe("the rule catalogue", () => {
  test("docs/audit-rules.md is the rendering of the current rules and suppressions (npm run audit -- --write-catalogue)", () => {
    expect(readFileSync(CATALOGUE_PATH, "utf8")).toBe(renderCatalogue(RULES, SUPPRESSIONS));
  });
});

describe("npm run audit (the command)", () => {
  const tsx = path.join(ROOT, "node_modules/.bin/tsx");
  // A clean environment: no AWS_* variables, a HOME without ~/.aws.
  const cleanEnv = () => ({ PATH: process.env.PATH, HOME: mkdtempSync(path.join(os.tmpdir(), "home-")) });
  const runAudit = (args: string[]) => spawnSync(tsx, ["scripts/audit.ts", ...args], { cwd: ROOT, encoding: "utf8", env: cleanEnv() });
  // `unshare -n`: a network namespace with no interface up, so any network access would fail.
  const offline = requireInCi(spawnSync("unshare", ["-n", "true"]).status === 0 ? undefined : "unshare -n is not available",
    "the audit run without network");

  test("exits 0 on settings.json without network or credentials, prints the table and the cost, writes JSON and SARIF; reports its run time", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "audit-out-"));
    const started = Date.now();
    const result = offline
      ? spawnSync("unshare", ["-n", tsx, "scripts/audit.ts", "--out", out], { cwd: ROOT, encoding: "utf8", env: cleanEnv() })
      : runAudit(["--out", out]);
    const wall = Date.now() - started;
    expect(result.stderr).not.toMatch(/audit failed/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Monthly cost estimate of openclaw-prod/);
    const json = JSON.parse(readFileSync(path.join(out, "audit.json"), "utf8"));
    const sarif = JSON.parse(readFileSync(path.join(out, "audit.sarif"), "utf8"));
    expect(json.rules).toHaveLength(RULES.length);
    expect(sarif.version).toBe("2.1.0");
    // eslint-disable-next-line no-console
    console.log(`npm run audit: ${RULES.length} rules, synth+audit ${json.durationMs} ms, whole command ${wall} ms`);
    expect(json.durationMs).toBeLessThan(10_000);
  }, 60_000);

  test("exits 1 with a clear message when a settings file is invalid, 2 on an unknown argument", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "audit-bad-"));
    const file = path.join(dir, "settings.json");
    writeFileSync(file, JSON.stringify({ environments: [{ environment: "x", domainName: "a.example.org", acmeEmail: "a@example.org", instanceType: "t2.micro" }] }));
    const bad = runAudit(["--settings", file, "--out", dir]);
    expect(bad.status).toBe(1);
    // The same block as synth: the file, then `environment › setting: got …` (no prefix, no stack).
    expect(bad.stderr).toMatch(/^Invalid settings in .*settings\.json:\n  x › instanceType: got "t2\.micro"; /);
    expect(runAudit(["--frobnicate"]).status).toBe(2);
  }, 60_000);
});
