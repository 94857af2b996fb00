import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { resolveSettingsFile } from "../../modules/settings/settings";
import { resolveBootstrapSettings } from "../../modules/bootstrap/settings";
import { BootstrapStack } from "../../modules/bootstrap/stack";
import { planStatements } from "../../modules/bootstrap/policies";
import { OFFLINE_PROVIDER, offlineTerraformProblem, OfflineStackDir, PlanJson, terraform, writeCliConfig } from "../helpers/terraform-offline";
import { requireInCi, TEST_DOMAIN, TEST_EMAIL } from "../helpers/settings";

/**
 * Real terraform, offline, on the CI bootstrap stack: the provider comes from the machine's mirror
 * only if it matches the committed .terraform.lock.hcl (`init -lockfile=readonly`, as the
 * workflows run it), then plan (which validates) with fake credentials, like the environments'
 * stacks (terraform-plan.test.ts, offlinePlan).
 */
const canRun = requireInCi(offlineTerraformProblem(), "the offline terraform plan of the bootstrap stack");
const maybe = canRun ? describe : describe.skip;
const ROOT = path.join(__dirname, "../..");
const LOCK = path.join(ROOT, ".terraform.lock.hcl");

/** Synthesizes the bootstrap stack into a temporary folder prepared for offline terraform. */
function bootstrapDir(): OfflineStackDir {
  const file = {
    defaults: { acmeEmail: TEST_EMAIL, backend: { type: "s3", bucket: "clawops-tfstate", region: "us-east-1" } },
    environments: [{ environment: "prod", domainName: TEST_DOMAIN }],
    bootstrap: { repository: "octo-org/openclaw-aws" },
  };
  const root = mkdtempSync(path.join(os.tmpdir(), "openclaw-bootstrap-tf-"));
  const bootstrap = resolveBootstrapSettings(file, resolveSettingsFile(file, "settings.json", root), "settings.json", root)!;
  const app = new App({ outdir: path.join(root, "cdktf.out") });
  const stack = new BootstrapStack(app, bootstrap, { projectRoot: root });
  app.synth();
  const dir = path.join(root, "cdktf.out", "stacks", stack.node.id);
  writeFileSync(path.join(dir, "offline_override.tf.json"), JSON.stringify({ provider: { aws: [OFFLINE_PROVIDER] } }, null, 2));
  copyFileSync(LOCK, path.join(dir, ".terraform.lock.hcl"));
  const env = { ...process.env, TF_CLI_CONFIG_FILE: writeCliConfig(root), TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0", AWS_EC2_METADATA_DISABLED: "true" };
  return { dir, env };
}

const INIT = ["init", "-input=false", "-no-color", "-lockfile=readonly"];

maybe("offline terraform plan of the bootstrap stack", () => {
  let stack: OfflineStackDir;
  let plan: PlanJson;

  beforeAll(() => {
    stack = bootstrapDir();
    terraform(stack, INIT);
    terraform(stack, ["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
    plan = JSON.parse(terraform(stack, ["show", "-json", "plan.bin"])) as PlanJson;
  }, 120_000);

  test("the committed lock file is what terraform installed against, unchanged", () => {
    expect(readFileSync(path.join(stack.dir, ".terraform.lock.hcl"), "utf8")).toBe(readFileSync(LOCK, "utf8"));
  });

  test("creates the bucket with its five settings, the OIDC provider, two roles with one inline policy each", () => {
    const counts: Record<string, number> = {};
    for (const change of plan.resource_changes) {
      expect(change.change.actions).toEqual(["create"]);
      counts[change.type] = (counts[change.type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      aws_s3_bucket: 1, aws_s3_bucket_versioning: 1, aws_s3_bucket_server_side_encryption_configuration: 1,
      aws_s3_bucket_public_access_block: 1, aws_s3_bucket_ownership_controls: 1, aws_s3_bucket_policy: 1,
      aws_iam_openid_connect_provider: 1, aws_iam_role: 2, aws_iam_role_policy: 2,
    });
  });

  test("planned values: the plan role's policy as the unit tests read it, the provider's audience", () => {
    const after = (type: string, where: (a: any) => boolean = () => true) =>
      plan.resource_changes.filter((c) => c.type === type).map((c) => c.change.after as any).find(where);
    const planPolicy = after("aws_iam_role_policy", (a) => a.name === "github-openclaw-aws-plan");
    expect(JSON.parse(planPolicy.policy).Statement).toEqual(planStatements({
      repository: "octo-org/openclaw-aws", stateBucket: "clawops-tfstate", region: "us-east-1",
      environments: [{ environment: "prod", region: "us-east-1", stateKey: "openclaw-aws/prod.tfstate", prefix: "openclaw-prod" }],
    }));
    expect(after("aws_iam_openid_connect_provider")).toMatchObject({ url: expect.stringMatching(/^(https:\/\/)?token\.actions\.githubusercontent\.com$/), client_id_list: ["sts.amazonaws.com"] });
    expect(after("aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  test("a provider that does not match the lock file's hashes is refused (the check the workflows rely on)", () => {
    const tampered = bootstrapDir();
    const lock = readFileSync(LOCK, "utf8");
    const h1 = /"h1:[^"]+"/.exec(lock)![0];
    writeFileSync(path.join(tampered.dir, ".terraform.lock.hcl"), lock.replace(h1, "\"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"").replace(/^\s*"zh:.*\n/gm, ""));
    expect(() => terraform(tampered, INIT)).toThrow(/doesn't match any of the checksums|checksums previously recorded/);
  }, 120_000);
});
