import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { OpenClawStack } from "../../modules/stack";
import { resolveSettingsFile, SettingsError, SettingsProblem } from "../../modules/settings/settings";
import {
  buildOutputStateWarning, findProjectRoot, findStateUnderBuildOutput, oldLayoutStateFile, planStateMoves,
  stateInBuildOutputWarning, stateLocation, StackState,
} from "../../modules/settings/state";
import { testSettings } from "../helpers/settings";

const ROOT = "/srv/project";
const local = (environment: string, p?: string): StackState =>
  ({ stackId: `openclaw-${environment}`, settings: testSettings({ environment, backend: p ? { type: "local", path: p } : { type: "local" } }) });

describe("state location", () => {
  test("default local state: an absolute file in the project root", () => {
    expect(stateLocation(testSettings({ environment: "prod" }), ROOT)).toEqual({ type: "local", path: "/srv/project/terraform.prod.tfstate" });
  });

  test("backend.path is relative to the project root; an absolute path is used as is", () => {
    expect(stateLocation(testSettings({ backend: { type: "local", path: "state/prod.tfstate" } }), ROOT))
      .toEqual({ type: "local", path: "/srv/project/state/prod.tfstate" });
    expect(stateLocation(testSettings({ backend: { type: "local", path: "/var/lib/tf/prod.tfstate" } }), ROOT))
      .toEqual({ type: "local", path: "/var/lib/tf/prod.tfstate" });
  });

  test("the synthesized cdk.tf.json names the absolute path in the project root", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "state-synth-"));
    try {
      const app = new App({ outdir: out });
      new OpenClawStack(app, testSettings({ environment: "prod" }), { projectRoot: ROOT });
      new OpenClawStack(app, testSettings({ environment: "dev", backend: { type: "local", path: "../elsewhere/dev.tfstate" } }), { projectRoot: ROOT });
      app.synth();
      const backend = (stack: string) => JSON.parse(readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8")).terraform.backend;
      expect(backend("openclaw-prod")).toEqual({ local: { path: "/srv/project/terraform.prod.tfstate" } });
      expect(backend("openclaw-dev")).toEqual({ local: { path: "/srv/elsewhere/dev.tfstate" } });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test("the old layout resolved a relative path from cdktf.out/stacks/<stack>/", () => {
    const dir = "/srv/project/cdktf.out/stacks/openclaw-prod";
    expect(oldLayoutStateFile(local("prod").settings, dir)).toBe(`${dir}/terraform.prod.tfstate`);
    expect(oldLayoutStateFile(local("prod", "/abs/x.tfstate").settings, dir)).toBe("/abs/x.tfstate");
  });
});

describe("project root", () => {
  const has = (files: string[]) => (file: string) => files.includes(file);
  test("the nearest folder with cdktf.json, at or above the start", () => {
    expect(findProjectRoot("/srv/project", has(["/srv/project/cdktf.json"]))).toBe("/srv/project");
    expect(findProjectRoot("/srv/project/scripts/bench", has(["/srv/project/cdktf.json"]))).toBe("/srv/project");
  });
  test("without cdktf.json anywhere above: the start (like cdktf's own default, process.cwd())", () => {
    expect(findProjectRoot("/srv/project/sub", has([]))).toBe("/srv/project/sub");
  });
});

describe("state left inside cdktf.out (old layout)", () => {
  let root: string;
  const put = (rel: string, text = "{}") => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  beforeEach(() => { root = mkdtempSync(path.join(os.tmpdir(), "state-old-")); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("finds *.tfstate, backups, workspace states and the file a local backend recorded; not the record itself", () => {
    put("cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate");
    put("cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate.backup");
    put("cdktf.out/stacks/openclaw-prod/terraform.tfstate.d/blue/terraform.tfstate");
    put("cdktf.out/stacks/openclaw-prod/.terraform/terraform.tfstate",
      JSON.stringify({ version: 3, backend: { type: "local", config: { path: "custom.state" } } }));
    put("cdktf.out/stacks/openclaw-prod/custom.state");
    put("cdktf.out/stacks/openclaw-prod/cdk.tf.json");
    put("terraform.prod.tfstate"); // already in the root: not build output
    const found = findStateUnderBuildOutput(root).map((f) => path.relative(root, f));
    expect(found).toEqual([
      "cdktf.out/stacks/openclaw-prod/custom.state",
      "cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate",
      "cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate.backup",
      "cdktf.out/stacks/openclaw-prod/terraform.tfstate.d/blue/terraform.tfstate",
    ]);
  });

  test("nothing found: no cdktf.out, or one without state; and then no warning", () => {
    expect(findStateUnderBuildOutput(root)).toEqual([]);
    put("cdktf.out/stacks/openclaw-prod/cdk.tf.json");
    expect(findStateUnderBuildOutput(root)).toEqual([]);
    expect(stateInBuildOutputWarning(root, [local("prod")])).toBeUndefined();
  });

  test("a stack's old-layout file: mv to the new location, then init -reconfigure", () => {
    const dir = `${ROOT}/cdktf.out/stacks/openclaw-prod`;
    const moves = planStateMoves([`${dir}/terraform.prod.tfstate`, `${dir}/terraform.prod.tfstate.backup`], [local("prod")], ROOT, () => false);
    expect(moves).toEqual([
      { file: `${dir}/terraform.prod.tfstate`, stackId: "openclaw-prod",
        commands: [`mv ${dir}/terraform.prod.tfstate ${ROOT}/terraform.prod.tfstate`, `terraform -chdir=${dir} init -reconfigure`] },
      { file: `${dir}/terraform.prod.tfstate.backup`, stackId: "openclaw-prod",
        commands: [`mv ${dir}/terraform.prod.tfstate.backup ${ROOT}/terraform.prod.tfstate.backup`] },
    ]);
  });

  test("a relative backend.path moves to the same path under the project root", () => {
    const dir = `${ROOT}/cdktf.out/stacks/openclaw-prod`;
    const [move] = planStateMoves([`${dir}/state/prod.tfstate`], [local("prod", "state/prod.tfstate")], ROOT, () => false);
    expect(move.commands[0]).toBe(`mv ${dir}/state/prod.tfstate ${ROOT}/state/prod.tfstate`);
  });

  test("a file already at the new location: nothing is moved, the user is told to choose", () => {
    const dir = `${ROOT}/cdktf.out/stacks/openclaw-prod`;
    const [move] = planStateMoves([`${dir}/terraform.prod.tfstate`], [local("prod")], ROOT, (f) => f === `${ROOT}/terraform.prod.tfstate`);
    expect(move.commands).toEqual([]);
    expect(move.note).toMatch(/\/srv\/project\/terraform\.prod\.tfstate exists too: compare them/);
  });

  test("a stack now on S3: the old local state is pushed to the bucket", () => {
    const dir = `${ROOT}/cdktf.out/stacks/openclaw-prod`;
    const s3: StackState = { stackId: "openclaw-prod", settings: testSettings({ environment: "prod", backend: { type: "s3", bucket: "team-tf" } }) };
    const [move] = planStateMoves([`${dir}/terraform.prod.tfstate`], [s3], ROOT, () => false);
    expect(move.commands).toEqual([
      `mv ${dir}/terraform.prod.tfstate ${ROOT}/openclaw-prod.local-before-s3.tfstate`,
      `terraform -chdir=${dir} init -reconfigure`,
      `terraform -chdir=${dir} state push ${ROOT}/openclaw-prod.local-before-s3.tfstate`,
    ]);
    expect(move.note).toContain("s3://team-tf/openclaw-aws/prod.tfstate");
  });

  test("a state file of no current stack is moved out under a name that says where it came from", () => {
    const file = `${ROOT}/cdktf.out/stacks/openclaw-old/terraform.old.tfstate`;
    const [move] = planStateMoves([file], [local("prod")], ROOT, () => false);
    expect(move.commands).toEqual([`mv ${file} ${ROOT}/openclaw-old.terraform.old.tfstate`]);
    expect(move.note).toMatch(/not the state file of a stack in the settings/);
  });

  test("paths with spaces are shell-quoted", () => {
    const root = "/home/me/my project";
    const dir = `${root}/cdktf.out/stacks/openclaw-prod`;
    const [move] = planStateMoves([`${dir}/terraform.prod.tfstate`], [local("prod")], root, () => false);
    expect(move.commands[0]).toBe(`mv '${dir}/terraform.prod.tfstate' '${root}/terraform.prod.tfstate'`);
  });

  test("the warning is one block naming each file and its commands", () => {
    put("cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate");
    const warning = stateInBuildOutputWarning(root, [local("prod")])!;
    const file = path.join(root, "cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate");
    expect(warning.split("\n")).toEqual([
      "WARNING: Terraform state found inside cdktf.out/, which is build output (`rm -rf cdktf.out` deletes it).",
      "Local state now lives in the project root. Before the next plan or deploy, move it:",
      `  ${file} (stack openclaw-prod)`,
      `    $ mv ${file} ${path.join(root, "terraform.prod.tfstate")}`,
      `    $ terraform -chdir=${path.join(root, "cdktf.out/stacks/openclaw-prod")} init -reconfigure`,
      'See README.md, "Terraform state".',
    ]);
    expect(buildOutputStateWarning([])).toBeUndefined();
  });
});

describe("the migration note (docs/settings.md, Terraform state)", () => {
  test("its commands are the ones synth's warning prints (made relative to the project root)", () => {
    const readme = readFileSync(path.join(__dirname, "../../docs/settings.md"), "utf8");
    const note = readme.slice(readme.indexOf("**Deployed before this layout?**"));
    const block = note.slice(note.indexOf("```bash\n") + 8, note.indexOf("```", note.indexOf("```bash\n") + 8));
    const readmeCommands = block.trim().split("\n").map((line) => line.replace(/\s+#.*$/, ""));
    const dir = `${ROOT}/cdktf.out/stacks/openclaw-prod`;
    const moves = planStateMoves([`${dir}/terraform.prod.tfstate`, `${dir}/terraform.prod.tfstate.backup`], [local("prod")], ROOT, () => false);
    const [mv, init] = moves[0].commands.map((c) => c.split(`${ROOT}/`).join(""));
    const [backup] = moves[1].commands.map((c) => c.split(`${ROOT}/`).join(""));
    expect(readmeCommands).toEqual([mv, backup, init]);
  });
});

describe("a backend.path inside build output is refused at synth", () => {
  const file = (path: string) => ({ environments: [{ environment: "prod", domainName: "gateway.example.com", acmeEmail: "ops@example.com", backend: { type: "local", path } }] });
  const problemsOf = (path: string): SettingsProblem[] => {
    try {
      resolveSettingsFile(file(path), "settings.json", ROOT);
      return [];
    } catch (error) {
      return (error as SettingsError).problems;
    }
  };

  test.each(["cdktf.out/prod.tfstate", "./cdktf.out/stacks/openclaw-prod/terraform.prod.tfstate", "/srv/project/cdktf.out/x.tfstate", ".gen/prod.tfstate"])(
    "%s", (p) => {
      const problems = problemsOf(p);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ environment: "prod", setting: "backend.path", value: p });
      expect(problems[0].allowed).toMatch(/^resolves to \/srv\/project\/(cdktf\.out|\.gen)\/.*, inside (cdktf\.out|\.gen)\/, which is build output/);
    });

  test.each(["terraform.prod.tfstate", "state/prod.tfstate", "cdktf.out-backup/prod.tfstate", "/var/lib/tf/prod.tfstate"])("%s is accepted", (p) => {
    expect(problemsOf(p)).toEqual([]);
  });
});
