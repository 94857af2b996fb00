import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { requireInCi } from "../helpers/settings";

const ROOT = path.resolve(__dirname, "../..");

/** `unshare -n` gives the command a network namespace with no interface up: no network at all. */
function noNetworkProblem(): string | undefined {
  const probe = spawnSync("unshare", ["-n", "true"]);
  return probe.status === 0 ? undefined : "unshare -n is not available (needs root or user namespaces)";
}

const maybe = requireInCi(noNetworkProblem(), "the no-network synth test") ? describe : describe.skip;

// npm run synth (scripts/synth.js, no cdktf-cli: it runs on every supported Node); cdktf-cli's own synth
// is compared with it byte for byte in synth-script.test.ts.
maybe("npm run synth with no AWS credentials and no network", () => {
  test("synthesizes every environment of settings.json", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "openclaw-synth-"));
    const result = spawnSync("unshare", ["-n", process.execPath, "scripts/synth.js", "--output", out], {
      cwd: ROOT,
      encoding: "utf8",
      // A clean environment: no AWS_* credentials, profiles or regions, a HOME without ~/.aws.
      env: { PATH: process.env.PATH, HOME: mkdtempSync(path.join(os.tmpdir(), "home-")), CHECKPOINT_DISABLE: "1", CI: "1" },
    });
    expect(result.stderr + result.stdout).toContain("Generated Terraform code for the stacks: openclaw-prod, openclaw-staging");
    expect(result.status).toBe(0);
    for (const stack of ["openclaw-prod", "openclaw-staging"]) {
      const file = path.join(out, "stacks", stack, "cdk.tf.json");
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(readFileSync(file, "utf8")).resource.aws_autoscaling_group).toBeDefined();
    }
  }, 60_000);

  test("an invalid settings file stops synth with the setting named and nothing written", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "openclaw-synth-bad-"));
    const bad = path.join(out, "bad-settings.json");
    writeFileSync(bad, JSON.stringify({
      environments: [{ environment: "prod", domainName: "gateway.example.org", acmeEmail: "ops@example.org", instanceType: "t2.micro" }],
    }));
    const result = spawnSync(process.execPath, ["scripts/synth.js", "--output", path.join(out, "cdktf.out")], {
      cwd: ROOT, encoding: "utf8", env: { ...process.env, OPENCLAW_AWS_SETTINGS: bad, CHECKPOINT_DISABLE: "1", CI: "1" },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/instanceType: got "t2\.micro"; unknown instance family "t2"/);
    expect(existsSync(path.join(out, "cdktf.out", "stacks"))).toBe(false);
  }, 60_000);
});
