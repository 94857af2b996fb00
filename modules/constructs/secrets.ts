import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { Fn } from "cdktf";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { secretParameterName, SecretSpec } from "../secrets-catalogue";
import { Grantee, IamStatement } from "./grants";

export interface GatewaySecretsProps {
  /** Name prefix (description and alias). */
  readonly prefix: string;
  /**
   * KMS alias, e.g. "alias/openclaw-prod". It is also the parameters' `key_id`: the host
   * (modules/host/tools.ts) and the operator CLI (scripts/secrets.ts, the stack's set-command
   * outputs) pass exactly this string as PutParameter's KeyId.
   */
  readonly kmsAlias: string;
  /** Environment name; names the parameters (`/openclaw/<environment>/<parameter>`). */
  readonly environment: string;
  /** Region of the stack: the key may be used only through SSM and EC2 in it ({@link keyPolicy}). */
  readonly region: string;
  /** Name of the alerts topic the key encrypts (modules/constructs/alerts.ts); its publishers may use the key for it. */
  readonly alertsTopicName: string;
  /**
   * The secrets the environment has (modules/secrets-catalogue.ts `secretsInUse`): one parameter each, and
   * only these the host may read (a channel's token only while the settings enable the channel).
   */
  readonly secrets: readonly SecretSpec[];
}

/**
 * What the account's principals may do with the key without a service in between: manage it
 * (describe, rotate, tag, alias, change the policy, schedule or cancel deletion, revoke grants).
 * No cryptographic operation and no kms:CreateGrant (a grant would hand out Decrypt outside the
 * policy). With PutKeyPolicy for the account root the key can never become unmanageable
 * ("Default key policy", https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html,
 * read 2026-11-30: the root statement is what lets IAM policies grant access at all).
 */
export const KEY_ADMINISTRATION_ACTIONS: readonly string[] = [
  "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyPolicies",
  "kms:ListKeyRotations", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:EnableKey", "kms:DisableKey",
  "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand", "kms:UpdateKeyDescription",
  "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:TagResource", "kms:UntagResource",
  "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
];

/**
 * The key policy: the account administers the key, and its principals (with an IAM policy that
 * allows it: the host role, operators, the deployer) use it only through SSM (the secrets) and EC2
 * (the data volume and its snapshots) in the stack's region, from this account. This mirrors the
 * AWS managed keys aws/ssm and aws/ebs, whose policies name `"AWS": "*"` with kms:ViaService and
 * kms:CallerAccount, with one difference: the principal is the account, so an IAM policy must also
 * allow the call (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 * and #conditions-kms-caller-account, read 2026-11-30). Nobody can call kms:Decrypt on the key
 * directly, not even an administrator, without first changing this policy (which CloudTrail records).
 * The publishers of the alerts topic may use it for that topic's messages only ({@link alertsTopicStatements}).
 */
export function keyPolicy(account: string, region: string, alertsTopicName: string): object {
  const root = { AWS: `arn:aws:iam::${account}:root` };
  const through = (service: string) => ({ StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com`, "kms:CallerAccount": account } });
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "KeyAdministrationByAccount", Effect: "Allow", Principal: root, Action: KEY_ADMINISTRATION_ACTIONS, Resource: "*" },
      { Sid: "UseThroughSsmInAccount", Effect: "Allow", Principal: root,
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*", Condition: through("ssm") },
      { Sid: "UseThroughEc2InAccount", Effect: "Allow", Principal: root,
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
        Resource: "*", Condition: through("ec2") },
      ...alertsTopicStatements(account, region, alertsTopicName),
    ],
  };
}

/** The Auto Scaling service-linked role of an account: the identity the group publishes its notifications as. */
export const autoScalingServiceRoleArn = (account: string): string =>
  `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

/**
 * The alerts topic is encrypted with this key, so whoever publishes to it needs kms:GenerateDataKey*
 * and kms:Decrypt on the key, for that topic only (SNS's encryption context names it:
 * kms:EncryptionContext:aws:sns:topicArn). The publishers ("Enable compatibility between event
 * sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services,
 * read 2026-11-30): CloudWatch alarms as the service principal cloudwatch.amazonaws.com (from this
 * account: aws:SourceAccount); Auto Scaling's notifications, which that page lists among the sources
 * that need "an IAM role (rather than the service principal)", as the account's Auto Scaling
 * service-linked role, named by aws:PrincipalArn under Principal "*": a principal ARN in a key
 * policy must exist when the policy is set, and that role is created only with the account's first
 * Auto Scaling group, after this policy.
 */
export function alertsTopicStatements(account: string, region: string, alertsTopicName: string): object[] {
  const topic = { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:${region}:${account}:${alertsTopicName}` };
  const use = ["kms:GenerateDataKey*", "kms:Decrypt"];
  return [
    { Sid: "AlarmsPublishToAlertsTopic", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: use, Resource: "*",
      Condition: { StringEquals: { ...topic, "aws:SourceAccount": account } } },
    // The role's ARN as IAM names it (with its path) and without the path, in case a request context
    // carries the role's ARN without it: either names only this account's Auto Scaling role.
    { Sid: "AutoScalingPublishesToAlertsTopic", Effect: "Allow", Principal: { AWS: "*" }, Action: use, Resource: "*",
      Condition: { StringEquals: { ...topic, "aws:PrincipalArn": [autoScalingServiceRoleArn(account), `arn:aws:iam::${account}:role/AWSServiceRoleForAutoScaling`] } } },
  ];
}

/**
 * Version of the placeholders written through `value_wo`. Terraform sends `value_wo` only when
 * this number changes (and on create), so raising it would overwrite the real secrets with the
 * placeholders: never change it on a deployed stack.
 */
export const PLACEHOLDER_VERSION = 1;

/**
 * A customer KMS key (rotation on, explicit {@link keyPolicy}, protected from destroy: deleting it
 * would make the secrets and every snapshot of the data volume unreadable; docs/operating.md
 * "Destroying a stack") and one SecureString parameter per entry of the secrets catalogue
 * (modules/secrets-catalogue.ts), which it encrypts.
 *
 * The parameters are created holding a placeholder, written through the provider's write-only
 * argument `value_wo` (in the pinned AWS provider 5.100.0; needs Terraform ≥ 1.11): Terraform sends it to AWS on create
 * and never records it, and a resource with `value_wo` does not keep the `value` it reads on
 * refresh either (the provider nulls it). So the real values, which the host (gateway token) and
 * the operator (provider keys) write later, are not in Terraform's configuration, plan or state.
 * A plain `value` + `ignore_changes = [value]` did NOT achieve that: every refresh reads the
 * parameter WithDecryption and stores the real value in state and plan
 * (hashicorp/terraform-provider-aws#3475; proven by __tests__/terraform/secrets-state.test.ts).
 *
 * `key_id` is the alias NAME, not the key's ARN: SSM keeps the KeyId string it was given and
 * DescribeParameters returns that string (API reference, ParameterMetadata.KeyId: "The alias of
 * the KMS key used to encrypt the parameter"; DescribeParameters: "DescribeParameters retrieves
 * whatever the original key alias was referencing" —
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ParameterMetadata.html and
 * API_DescribeParameters.html, read 2026-11-30), and the provider copies it into `key_id` on every
 * refresh. The host and the CLI write the alias; with the ARN here every plan would show an
 * in-place `key_id` update, and with `value_wo` such an update sends PutParameter with an EMPTY
 * value (the write-only value is only sent when `value_wo_version` changes), which AWS rejects.
 */
export class GatewaySecrets extends Construct {
  readonly key: KmsKey;
  /** The key's policy ({@link keyPolicy}); the account id is read from the key's ARN. */
  readonly keyPolicy: KmsKeyPolicy;
  readonly alias: KmsAlias;
  /** Each secret's parameter, by the secret's id (SecretSpec.id, also the construct id). */
  readonly parameters: Readonly<Record<string, SsmParameter>>;
  /** The secrets it holds a parameter for (props.secrets). */
  readonly secrets: readonly SecretSpec[];

  constructor(scope: Construct, id: string, props: GatewaySecretsProps) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: `${props.prefix}: gateway secrets and data volume`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    // A separate policy resource: the key's own `policy` cannot name the account without asking
    // STS (data aws_caller_identity, a call at every plan), while the key's ARN holds it:
    // arn:aws:kms:<region>:<account>:key/<id>, field 4.
    this.keyPolicy = new KmsKeyPolicy(this, "key-policy", {
      keyId: this.key.keyId,
      policy: JSON.stringify(keyPolicy(Fn.element(Fn.split(":", this.key.arn), 4), props.region, props.alertsTopicName)),
    });
    this.alias = new KmsAlias(this, "alias", { name: props.kmsAlias, targetKeyId: this.key.keyId });
    this.secrets = props.secrets;
    this.parameters = Object.fromEntries(props.secrets.map((secret) => [secret.id, new SsmParameter(this, secret.id, {
      name: secretParameterName(props, secret),
      description: secret.description,
      type: "SecureString",
      // The alias resource's name (= props.kmsAlias): the same string, and the parameter is
      // created only after the alias exists.
      keyId: this.alias.name,
      valueWo: secret.placeholder,
      valueWoVersion: PLACEHOLDER_VERSION,
    })]));
  }

  /** The parameter of one secret of the catalogue. */
  parameterOf(secret: Pick<SecretSpec, "id">): SsmParameter {
    const parameter = this.parameters[secret.id];
    if (!parameter) throw new Error(`no parameter for secret ${JSON.stringify(secret.id)}`);
    return parameter;
  }

  /**
   * What the host does with the secrets: read every one (`aws ssm get-parameter`, no
   * GetParameters), store those it writes itself (writer "host": the generated gateway token),
   * through SSM with the environment's key.
   */
  grantHostAccess(host: Grantee): IamStatement[] {
    const arns = (secrets: readonly SecretSpec[]) => secrets.map((secret) => this.parameterOf(secret).arn);
    return [
      { Sid: "ReadGatewaySecrets", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: arns(this.secrets) },
      { Sid: "StoreGeneratedGatewayToken", Effect: "Allow", Action: ["ssm:PutParameter"],
        Resource: arns(this.secrets.filter((secret) => secret.writer === "host")) },
      { Sid: "UseSecretsKeyThroughSsm", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        Resource: [this.key.arn], Condition: { StringEquals: { "kms:ViaService": `ssm.${host.region}.amazonaws.com` } } },
    ];
  }
}
