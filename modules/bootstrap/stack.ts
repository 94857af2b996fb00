import * as path from "node:path";
import { Construct } from "constructs";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { BOOTSTRAP_STACK, BootstrapSettings } from "./settings";
import { applyStatements, ciSubjects, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, planStatements } from "./policies";
import { StateBucket } from "./state-bucket";
import { CiRole } from "./ci-role";

/** Local state file of the bootstrap stack, in the project root (it creates the bucket the others use). */
export const BOOTSTRAP_STATE_FILE = "terraform.bootstrap.tfstate";

/**
 * The outputs the workflows read, each with the repository variable it goes into
 * (Settings → Secrets and variables → Actions → Variables).
 */
export const CI_OUTPUTS = {
  planRole: { output: "plan_role_arn", variable: "AWS_PLAN_ROLE_ARN" },
  applyRole: { output: "apply_role_arn", variable: "AWS_APPLY_ROLE_ARN" },
  region: { output: "aws_region", variable: "AWS_REGION" },
} as const;

/** Names of the CI roles: outside every environment's `openclaw-<env>-` prefix, so the apply role cannot change them. */
export const CI_ROLE_NAMES = { plan: "github-openclaw-aws-plan", apply: "github-openclaw-aws-apply" } as const;

/**
 * What CI needs before its first run, created once from an operator's machine
 * (`cdktf deploy openclaw-aws-bootstrap`, local state): the state bucket every environment's S3
 * backend names, GitHub's OIDC provider, and the two roles the workflows assume — the plan role for
 * pull requests of the repository (state read only), the apply role for jobs of its `production`
 * environment. The workflows never plan or apply this stack.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StateBucket;
  readonly oidcProvider: IamOpenidConnectProvider;
  readonly planRole: CiRole;
  readonly applyRole: CiRole;

  /** @param options.projectRoot where the local state file goes. @default process.cwd() */
  constructor(scope: Construct, readonly settings: BootstrapSettings, options: { projectRoot?: string } = {}) {
    super(scope, BOOTSTRAP_STACK);
    new LocalBackend(this, { path: path.resolve(options.projectRoot ?? process.cwd(), BOOTSTRAP_STATE_FILE) });
    new AwsProvider(this, "aws", { region: settings.region, defaultTags: [{ tags: { "managed-by": "openclaw-aws", "openclaw:stack": BOOTSTRAP_STACK } }] });

    this.stateBucket = new StateBucket(this, "state", { bucketName: settings.stateBucket });
    // No thumbprint: IAM verifies GitHub's certificate against its trusted CAs; a thumbprint would be
    // kept but not used (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html, read 2026-11-30).
    this.oidcProvider = new IamOpenidConnectProvider(this, "github-oidc", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
    });
    const subjects = ciSubjects(settings.repository);
    const role = (id: string, name: string, subject: string, statements: ReturnType<typeof planStatements>) =>
      new CiRole(this, id, { name, providerArn: this.oidcProvider.arn, subject, statements, maxSessionSeconds: 3600 });
    this.planRole = role("plan-role", CI_ROLE_NAMES.plan, subjects.plan, planStatements(settings));
    this.applyRole = role("apply-role", CI_ROLE_NAMES.apply, subjects.apply, applyStatements(settings));

    const output = (name: string, value: string, description: string) => new TerraformOutput(this, name, { value, description });
    output(CI_OUTPUTS.planRole.output, this.planRole.role.arn, `Repository variable ${CI_OUTPUTS.planRole.variable}: the pull-request workflow's role (state read only)`);
    output(CI_OUTPUTS.applyRole.output, this.applyRole.role.arn, `Repository variable ${CI_OUTPUTS.applyRole.variable}: the apply workflow's role (production environment)`);
    output(CI_OUTPUTS.region.output, settings.region, `Repository variable ${CI_OUTPUTS.region.variable}: region of the STS endpoint and the state bucket`);
    output("state_bucket", this.stateBucket.bucket.bucket, "The state bucket every environment's backend names");
  }
}
