/**
 * The CI roles' policies as plain data (pure functions of the bootstrap settings), so tests read
 * them without a synth.
 *
 * PLAN ROLE = STATE READ, NOTHING ELSE. A pull request's own code runs with it (the workflow file
 * itself comes from the pull request), so what the role may do is what any branch may do. A
 * refreshing `terraform plan` would need the describe/get calls of every resource type AND the
 * secrets: the AWS provider 5.100.0 reads aws_ssm_parameter WithDecryption on every refresh, even
 * with value_wo (__tests__/terraform/secrets-state.test.ts records those GetParameter calls), so
 * a role that can refresh the stack can read the gateway token. The pull-request plan therefore
 * runs with `-refresh=false -lock=false`: it compares the configuration with the recorded state and
 * calls no AWS read API for managed resources. Data sources are read even then; the stacks have
 * one, the AMI id of the host's OS (modules/constructs/host.ts), an AWS PUBLIC parameter
 * (`arn:aws:ssm:<region>::parameter/aws/service/…`, no account in the ARN, and no account can own a name under /aws): the plan role may read
 * those and nothing of the account (__tests__/unit/bootstrap.test.ts fails when another data
 * source appears, so this role is revisited).
 * Drift shows up in the apply job, which refreshes with the apply role after approval.
 * S3 backend permissions: s3:ListBucket on the bucket, s3:GetObject on the key (plus PutObject to
 * write; GetObject, PutObject, DeleteObject on `<key>.tflock` with use_lockfile) —
 * https://developer.hashicorp.com/terraform/language/backend/s3 (read 2026-11-30).
 */
import type { IamStatement } from "../constructs/grants";
import { publicParameterArn } from "../constructs/rollout";
import type { BootstrapSettings } from "./settings";

/** GitHub Actions' OIDC issuer (host part: the IAM condition keys' prefix). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience configure-aws-credentials requests (its `audience` input's default). */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** The GitHub environment whose approval gates the apply workflow. */
export const APPLY_ENVIRONMENT = "production";

/**
 * The OIDC `sub` claims the roles trust. GitHub's formats: `repo:<owner>/<repo>:pull_request` for a
 * job run by a pull_request event, `repo:<owner>/<repo>:environment:<name>` for a job that names an
 * environment (the environment wins over the ref) —
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims (read 2026-11-30).
 */
export const ciSubjects = (repository: string) => ({
  plan: `repo:${repository}:pull_request`,
  apply: `repo:${repository}:environment:${APPLY_ENVIRONMENT}`,
});

/** Trust policy: web identities from GitHub's OIDC provider, for this audience and exactly this subject. */
export function githubTrustPolicy(providerArn: string, subject: string): object {
  return {
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: subject },
      },
    }],
  };
}

const bucketArn = (s: BootstrapSettings) => `arn:aws:s3:::${s.stateBucket}`;
const stateObjects = (s: BootstrapSettings) => s.environments.map((e) => `${bucketArn(s)}/${e.stateKey}`);
const lockObjects = (s: BootstrapSettings) => s.environments.map((e) => `${bucketArn(s)}/${e.stateKey}.tflock`);

/** AWS public parameters (AMI ids and the like) of the environments' regions (publicParameterArn: `*` for the empty account field). */
export const publicParameters = (s: BootstrapSettings): string[] =>
  [...new Set(s.environments.map((e) => publicParameterArn(e.region, "/aws/service/*")))];

/** The plan role: list the state bucket, read the environments' state objects and AWS's public parameters. */
export function planStatements(s: BootstrapSettings): IamStatement[] {
  return [
    { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn(s)] },
    { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: stateObjects(s) },
    { Sid: "ReadPublicParameters", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: publicParameters(s) },
  ];
}

/** AWS services the environments' stacks manage in their regions (modules/stack.ts's resource types). */
export const STACK_SERVICES = ["ec2", "autoscaling", "kms", "ssm", "dlm", "scheduler", "sns", "cloudwatch"] as const;

/** The AWS managed policies the stacks attach to their own roles. */
export const ATTACHABLE_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
];

/**
 * The apply role: read and write the environments' state (and its lock files), and manage what the
 * stacks hold — the regional services in the environments' regions only, IAM only for roles and
 * instance profiles named with an environment's prefix (never the CI roles, the OIDC provider or
 * the state bucket, which only the bootstrap's own operator changes), Route53 only in the
 * environments' hosted zones. IAM ARNs leave the account out (`arn:aws:iam::*:`): the IAM API acts
 * only on the caller's own account, so `*` there names the same roles as the account id would.
 */
export function applyStatements(s: BootstrapSettings): IamStatement[] {
  const regions = [...new Set(s.environments.map((e) => e.region))];
  const iamNames = (kind: string) => s.environments.map((e) => `arn:aws:iam::*:${kind}/${e.prefix}-*`);
  const zones = [...new Set(s.environments.flatMap((e) => (e.hostedZoneId ? [e.hostedZoneId] : [])))];
  const statements: IamStatement[] = [
    { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn(s)] },
    { Sid: "ReadWriteState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: stateObjects(s) },
    { Sid: "StateLock", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: lockObjects(s) },
    {
      Sid: "ManageStackServices", Effect: "Allow", Action: STACK_SERVICES.map((service) => `${service}:*`), Resource: ["*"],
      Condition: { StringEquals: { "aws:RequestedRegion": regions } },
    },
    {
      // Each environment's artifacts bucket (modules/constructs/artifacts.ts: `<prefix>-artifacts-<hash>`) and its objects.
      Sid: "ManageArtifactsBuckets", Effect: "Allow", Action: ["s3:*"],
      Resource: s.environments.flatMap((e) => [`arn:aws:s3:::${e.prefix}-artifacts-*`, `arn:aws:s3:::${e.prefix}-artifacts-*/*`]),
    },
    {
      Sid: "ManageStackRoles", Effect: "Allow",
      Action: [
        "iam:GetRole", "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
        "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
        "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRoleTags", "iam:PassRole",
      ],
      Resource: iamNames("role"),
    },
    {
      Sid: "AttachManagedPolicies", Effect: "Allow", Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], Resource: iamNames("role"),
      Condition: { ArnEquals: { "iam:PolicyARN": ATTACHABLE_MANAGED_POLICIES } },
    },
    {
      Sid: "ManageInstanceProfiles", Effect: "Allow",
      Action: [
        "iam:GetInstanceProfile", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
        "iam:ListInstanceProfileTags", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
      ],
      Resource: iamNames("instance-profile"),
    },
    {
      // The Auto Scaling group's service-linked role, created on the account's first group.
      Sid: "AutoScalingServiceLinkedRole", Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"],
      Resource: [`arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`],
      Condition: { StringEquals: { "iam:AWSServiceName": "autoscaling.amazonaws.com" } },
    },
  ];
  if (zones.length > 0) {
    statements.push(
      {
        Sid: "ManageDnsRecords", Effect: "Allow", Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"],
        Resource: zones.map((zone) => `arn:aws:route53:::hostedzone/${zone}`),
      },
      { Sid: "WaitForDnsChanges", Effect: "Allow", Action: ["route53:GetChange"], Resource: ["arn:aws:route53:::change/*"] },
    );
  }
  return statements;
}
