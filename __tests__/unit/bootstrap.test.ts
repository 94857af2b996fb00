import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, Testing } from "cdktf";
import { GatewaySettings, resolveSettingsFile, SettingsError } from "../../modules/settings/settings";
import { OpenClawStack } from "../../modules/stack";
import { BOOTSTRAP_STACK, BootstrapSettings, repositoryProblem, resolveBootstrapSettings } from "../../modules/bootstrap/settings";
import { BootstrapStack, CI_OUTPUTS } from "../../modules/bootstrap/stack";
import { applyStatements, ATTACHABLE_MANAGED_POLICIES, planStatements, STACK_SERVICES } from "../../modules/bootstrap/policies";
import { AWS_PROVIDER_VERSION } from "../helpers/terraform-offline";
import { TEST_DOMAIN, TEST_EMAIL } from "../helpers/settings";

/**
 * The CI bootstrap stack (modules/bootstrap/): its settings, the resources it synthesizes, the
 * roles' trust and policies, and that adding it leaves the environments' stacks untouched.
 */
const ROOT = path.join(__dirname, "../..");
const REPOSITORY = "octo-org/openclaw-aws";
const BUCKET = "clawops-tfstate";

/** A settings file: two environments in two regions, state in one bucket, and a bootstrap section. */
function settingsFile(overrides: { bootstrap?: unknown; staging?: object } = {}) {
  return {
    defaults: { acmeEmail: TEST_EMAIL, backend: { type: "s3", bucket: BUCKET, region: "us-east-1" } },
    environments: [
      { environment: "prod", domainName: TEST_DOMAIN },
      { environment: "staging", domainName: `staging.${TEST_DOMAIN}`, region: "eu-west-1", hostedZoneId: "Z0123456789ABCDEFGHIJ", ...overrides.staging },
    ],
    bootstrap: "bootstrap" in overrides ? overrides.bootstrap : { repository: REPOSITORY },
  };
}

function resolveFile(file: ReturnType<typeof settingsFile>): { environments: GatewaySettings[]; bootstrap?: BootstrapSettings } {
  const environments = resolveSettingsFile(file, "settings.json", ROOT);
  return { environments, bootstrap: resolveBootstrapSettings(file, environments, "settings.json", ROOT) };
}

/** The problem lines of a settings error thrown by `fn`. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof SettingsError) return error.message.split("\n").slice(1).map((l) => l.trim());
    throw error;
  }
  throw new Error("no SettingsError thrown");
}

describe("bootstrap settings", () => {
  test("the repository and the environments' one state bucket resolve to the bootstrap's settings", () => {
    expect(resolveFile(settingsFile()).bootstrap).toEqual({
      repository: REPOSITORY,
      stateBucket: BUCKET,
      region: "us-east-1",
      environments: [
        { environment: "prod", region: "us-east-1", stateKey: "openclaw-aws/prod.tfstate", prefix: "openclaw-prod" },
        { environment: "staging", region: "eu-west-1", stateKey: "openclaw-aws/staging.tfstate", prefix: "openclaw-staging", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
      ],
    });
  });

  test("no bootstrap section, no bootstrap stack", () => {
    const file: Record<string, unknown> = settingsFile();
    delete file.bootstrap;
    expect(resolveBootstrapSettings(file, resolveSettingsFile(file, "settings.json", ROOT), "settings.json", ROOT)).toBeUndefined();
  });

  test.each([
    ["octo-org/openclaw-aws", undefined], ["a/b", undefined], ["Octo-Org/repo.name_x", undefined],
    ["openclaw-aws", "owner/name"], ["-octo/repo", "owner/name"], ["octo--org/repo", "owner/name"], ["octo/..", "owner/name"],
    ["octo/repo:pull_request", "owner/name"], ["octo/*", "owner/name"], [42, "owner/name"],
  ])("repository %j", (value, problem) => {
    const found = repositoryProblem(value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  test("refused: a bad repository, an unknown key (with a hint), a section that is no object", () => {
    expect(problems(() => resolveFile(settingsFile({ bootstrap: { repository: "octo-org/*", repositroy: "x" } })))).toEqual([
      expect.stringMatching(/^bootstrap\.repositroy: got "x"; unknown setting; did you mean "bootstrap\.repository"\?/),
      expect.stringMatching(/^bootstrap\.repository: got "octo-org\/\*"; must be the GitHub repository as "owner\/name"/),
    ]);
    expect(problems(() => resolveFile(settingsFile({ bootstrap: "octo-org/openclaw-aws" })))).toEqual([
      expect.stringMatching(/^bootstrap: got "octo-org\/openclaw-aws"; must be an object/),
    ]);
  });

  test("refused: an environment with local state, or state in another bucket or region", () => {
    expect(problems(() => resolveFile(settingsFile({ staging: { backend: { type: "local" } } })))).toEqual([
      expect.stringMatching(/^staging › backend: got \{"type":"local"\}; must be \{"type":"s3","bucket":"…"\} when the settings have "bootstrap"/),
    ]);
    expect(problems(() => resolveFile(settingsFile({ staging: { backend: { bucket: "other-bucket" } } })))).toEqual([
      expect.stringMatching(/^staging › backend\.bucket: got "other-bucket \(us-east-1\)"; must be the bucket and region of prod's state, clawops-tfstate \(us-east-1\)/),
    ]);
    expect(problems(() => resolveFile(settingsFile({ staging: { backend: { region: "eu-west-1" } } })))).toEqual([
      expect.stringMatching(/^staging › backend\.bucket: got "clawops-tfstate \(eu-west-1\)"; .*set backend\.region/),
    ]);
  });

  test("refused: an environment whose stack would take the bootstrap stack's name", () => {
    expect(problems(() => resolveFile(settingsFile({ staging: { environment: "aws-bootstrap" } })))).toEqual([
      expect.stringMatching(new RegExp(`^aws-bootstrap › environment: got "aws-bootstrap"; its stack would be named ${BOOTSTRAP_STACK}`)),
    ]);
  });
});

describe("bootstrap stack", () => {
  const { bootstrap } = resolveFile(settingsFile());
  const config = JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), bootstrap!, { projectRoot: ROOT })));
  const one = (type: string) => {
    const all = Object.values(config.resource[type] ?? {}) as any[];
    expect(all).toHaveLength(1);
    return all[0];
  };
  const roles = Object.values(config.resource.aws_iam_role) as any[];
  const role = (name: string) => roles.find((r) => r.name === name);
  const policyOf = (name: string) =>
    JSON.parse((Object.values(config.resource.aws_iam_role_policy) as any[]).find((p) => p.name === name).policy);

  test("the state bucket: versioned, encrypted, public access blocked four ways, owner enforced, TLS only, never destroyed", () => {
    expect(one("aws_s3_bucket")).toMatchObject({ bucket: BUCKET, lifecycle: { prevent_destroy: true } });
    expect(one("aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
    expect(one("aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
    expect(one("aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(one("aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    const policy = JSON.parse(one("aws_s3_bucket_policy").policy);
    expect(policy.Statement).toEqual([expect.objectContaining({
      Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } },
    })]);
    expect(policy.Statement[0].Resource).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.[^.]+\.arn\}$/), expect.stringMatching(/^\$\{aws_s3_bucket\.[^.]+\.arn\}\/\*$/)]);
  });

  test("GitHub's OIDC provider: the Actions issuer, the STS audience", () => {
    expect(one("aws_iam_openid_connect_provider")).toMatchObject({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
  });

  test("trust: the plan role only for the repository's pull requests, the apply role only for its production environment", () => {
    expect(roles.map((r) => r.name).sort()).toEqual(["github-openclaw-aws-apply", "github-openclaw-aws-plan"]);
    const trust = (name: string) => JSON.parse(role(name).assume_role_policy);
    const statement = (subject: string) => ({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { Federated: "${aws_iam_openid_connect_provider.github-oidc.arn}" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": subject } },
      }],
    });
    expect(trust("github-openclaw-aws-plan")).toEqual(statement("repo:octo-org/openclaw-aws:pull_request"));
    expect(trust("github-openclaw-aws-apply")).toEqual(statement("repo:octo-org/openclaw-aws:environment:production"));
    expect(config.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });

  test("the plan role reads the environments' state objects and AWS's public parameters, nothing else (no other AWS API, no lock, no write)", () => {
    expect(policyOf("github-openclaw-aws-plan").Statement).toEqual([
      { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${BUCKET}`] },
      { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${BUCKET}/openclaw-aws/prod.tfstate`, `arn:aws:s3:::${BUCKET}/openclaw-aws/staging.tfstate`] },
      // The AMI id data source (modules/constructs/host.ts): names under /aws are AWS's own.
      { Sid: "ReadPublicParameters", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ["arn:aws:ssm:us-east-1:*:parameter/aws/service/*", "arn:aws:ssm:eu-west-1:*:parameter/aws/service/*"] },
    ]);
  });

  test("the apply role writes state and its lock files; IAM only under the environments' prefixes", () => {
    const statements = policyOf("github-openclaw-aws-apply").Statement as Array<{ Sid: string; Action: string[]; Resource: string[] }>;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReadWriteState.Action).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(bySid.StateLock.Resource).toEqual([`arn:aws:s3:::${BUCKET}/openclaw-aws/prod.tfstate.tflock`, `arn:aws:s3:::${BUCKET}/openclaw-aws/staging.tfstate.tflock`]);
    expect(bySid.ManageStackRoles.Resource).toEqual(["arn:aws:iam::*:role/openclaw-prod-*", "arn:aws:iam::*:role/openclaw-staging-*"]);
    // No statement reaches the CI roles, the OIDC provider or the bucket's configuration.
    const iamResources = statements.filter((s) => s.Action.some((a) => a.startsWith("iam:"))).flatMap((s) => s.Resource);
    expect(iamResources.filter((r) => /github-openclaw-aws|oidc-provider|\*$/.test(r) && !/openclaw-(prod|staging)-\*$/.test(r))).toEqual([]);
    // S3 beyond the state's object calls: only on the environments' artifacts buckets.
    const artifacts = (r: string) => /^arn:aws:s3:::openclaw-(prod|staging)-artifacts-\*(\/\*)?$/.test(r);
    expect(statements.filter((s) => !s.Resource.every(artifacts)).flatMap((s) => s.Action)
      .filter((a) => a.startsWith("s3:") && !["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"].includes(a))).toEqual([]);
    expect(statements.filter((s) => s.Action.includes("s3:*")).flatMap((s) => s.Resource).filter((r) => !artifacts(r))).toEqual([]);
  });

  test("outputs: the role ARNs and region the workflows' repository variables take", () => {
    expect(Object.keys(config.output).sort()).toEqual([...Object.values(CI_OUTPUTS).map((o) => o.output), "state_bucket"].sort());
    expect(config.output[CI_OUTPUTS.planRole.output].value).toMatch(/^\$\{aws_iam_role\.plan-role_[^.]+\.arn\}$/);
    expect(config.output[CI_OUTPUTS.applyRole.output].value).toMatch(/^\$\{aws_iam_role\.apply-role_[^.]+\.arn\}$/);
    expect(config.output[CI_OUTPUTS.region.output].value).toBe("us-east-1");
  });
});

describe("the CI roles fit the environments' stacks", () => {
  const { environments, bootstrap } = resolveFile(settingsFile());
  const synth = (s: GatewaySettings) => JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), s, { projectRoot: ROOT })));
  const stacks = environments.map(synth);
  /** The environments with alerts on: their alarms are resource types the apply role must manage too. */
  const alerting = environments.map((s) => synth({ ...s, alerts: [s.acmeEmail] }));

  /** The AWS service (IAM action prefix) that manages each resource type the stacks create. */
  const SERVICE_OF: Record<string, string> = {
    aws_vpc: "ec2", aws_subnet: "ec2", aws_internet_gateway: "ec2", aws_route_table: "ec2", aws_route_table_association: "ec2",
    aws_default_security_group: "ec2", aws_security_group: "ec2", aws_vpc_security_group_ingress_rule: "ec2",
    aws_vpc_security_group_egress_rule: "ec2", aws_eip: "ec2", aws_ebs_volume: "ec2", aws_launch_template: "ec2",
    aws_autoscaling_group: "autoscaling", aws_kms_key: "kms", aws_kms_alias: "kms", aws_kms_key_policy: "kms",
    aws_s3_bucket: "s3", aws_s3_bucket_policy: "s3", aws_s3_bucket_public_access_block: "s3",
    aws_s3_bucket_server_side_encryption_configuration: "s3", aws_s3_bucket_versioning: "s3", aws_s3_object: "s3", aws_ssm_parameter: "ssm", aws_ssm_document: "ssm", aws_ssm_association: "ssm",
    aws_dlm_lifecycle_policy: "dlm", aws_scheduler_schedule: "scheduler", aws_route53_record: "route53",
    aws_sns_topic: "sns", aws_sns_topic_subscription: "sns", aws_autoscaling_notification: "autoscaling", aws_cloudwatch_metric_alarm: "cloudwatch",
    aws_iam_role: "iam", aws_iam_role_policy: "iam", aws_iam_role_policy_attachment: "iam", aws_iam_instance_profile: "iam",
  };

  test("every resource type's service is one the apply role manages (a new type fails here until the role covers it)", () => {
    const types = [...new Set([...stacks, ...alerting].flatMap((c) => Object.keys(c.resource)))].sort();
    expect(types).toContain("aws_cloudwatch_metric_alarm");
    expect(types.filter((t) => !(t in SERVICE_OF))).toEqual([]);
    const statements = applyStatements(bootstrap!);
    const granted = new Set(statements.flatMap((s) => s.Action.map((a) => a.split(":")[0])));
    expect(types.map((t) => SERVICE_OF[t]).filter((service) => !granted.has(service))).toEqual([]);
    expect([...STACK_SERVICES].sort()).toEqual([...new Set(types.map((t) => SERVICE_OF[t]))].filter((s) => s !== "iam" && s !== "route53" && s !== "s3").sort());
  });

  test("the stacks' roles and instance profiles carry their environment's prefix; they attach only the allowed managed policies", () => {
    stacks.forEach((config, i) => {
      const prefix = `${bootstrap!.environments[i].prefix}-`;
      const named = [...Object.values(config.resource.aws_iam_role ?? {}), ...Object.values(config.resource.aws_iam_instance_profile ?? {})] as any[];
      expect(named.length).toBeGreaterThan(0);
      expect(named.map((r) => r.name).filter((name: string) => !name.startsWith(prefix))).toEqual([]);
      const attached = (Object.values(config.resource.aws_iam_role_policy_attachment ?? {}) as any[]).map((a) => a.policy_arn);
      expect(attached.filter((arn: string) => !ATTACHABLE_MANAGED_POLICIES.includes(arn))).toEqual([]);
    });
  });

  test("the stacks read one data source, an AWS public parameter (the plan role, which runs plan -refresh=false, reads those and nothing else)", () => {
    expect(stacks.map((c) => Object.keys(c.data ?? {}))).toEqual(environments.map(() => ["aws_ssm_parameter"]));
    const statements = planStatements(bootstrap!);
    expect(statements.flatMap((s) => s.Action)).toEqual(["s3:ListBucket", "s3:GetObject", "ssm:GetParameter"]);
    const readable = statements.find((s) => s.Action.includes("ssm:GetParameter"))!.Resource;
    stacks.forEach((c, i) => {
      for (const data of Object.values(c.data.aws_ssm_parameter) as Array<{ name: string }>) {
        expect(data.name).toMatch(/^\/aws\/service\//);
        expect(readable).toContain(`arn:aws:ssm:${environments[i].region}:*:parameter/aws/service/*`);
      }
    });
  });

  test("adding the bootstrap stack to the app leaves each environment's synthesized configuration byte for byte", () => {
    const synth = (withBootstrap: boolean) => {
      const outdir = mkdtempSync(path.join(os.tmpdir(), "openclaw-bootstrap-"));
      const app = new App({ outdir });
      environments.forEach((s) => new OpenClawStack(app, s, { projectRoot: ROOT }));
      if (withBootstrap) new BootstrapStack(app, bootstrap!, { projectRoot: ROOT });
      app.synth();
      return environments.map((s) => readFileSync(path.join(outdir, "stacks", `openclaw-${s.environment}`, "cdk.tf.json"), "utf8"));
    };
    expect(synth(true)).toEqual(synth(false));
  });
});

describe(".terraform.lock.hcl", () => {
  const lock = readFileSync(path.join(ROOT, ".terraform.lock.hcl"), "utf8");

  test("pins hashicorp/aws at the version every stack requires, with the linux_amd64 h1 and the 15 release zips' hashes", () => {
    const blocks = [...lock.matchAll(/^provider "([^"]+)" \{$/gm)].map((m) => m[1]);
    expect(blocks).toEqual(["registry.terraform.io/hashicorp/aws"]);
    expect(lock).toMatch(new RegExp(`^  version     = "${AWS_PROVIDER_VERSION}"$`, "m"));
    expect(lock).toMatch(new RegExp(`^  constraints = "${AWS_PROVIDER_VERSION}"$`, "m"));
    expect(lock.match(/"h1:[A-Za-z0-9+/]{43}="/g)).toHaveLength(1);
    expect(new Set(lock.match(/"zh:[0-9a-f]{64}"/g)).size).toBe(15);
    const { environments } = resolveFile(settingsFile());
    const required = JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), environments[0]))).terraform.required_providers.aws;
    expect(required).toEqual({ source: "aws", version: AWS_PROVIDER_VERSION });
  });
});
