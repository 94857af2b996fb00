import type { GatewaySettings } from "../../modules/settings/settings";
import { secretParameterName, secretsInUse, SecretSpec } from "../../modules/secrets-catalogue";

/**
 * The vocabulary both AWS fakes speak: the boot-script sandbox's fake `aws` command
 * (__tests__/helpers/sandbox-fakes/bin/aws, state in aws.json: `FakeAccount` in sandbox.ts) and the
 * VM proof's fake AWS API (__tests__/vm/harness/fake-aws.ts, `FakeAwsApi`). Both name an operation
 * in the AWS CLI's words, as the host's scripts write it (`ec2 attach-volume`), record every call as
 * an `AwsCall`, and hold one SSM parameter per secret of the catalogue (modules/secrets-catalogue.ts).
 */

/** An AWS service by the AWS CLI's word for it. */
export type AwsService = "ec2" | "ssm" | "autoscaling" | "s3api" | "cloudwatch";

/**
 * Every AWS operation the host makes (boot script and host tools), in the CLI's words, with the API
 * action it sends on the wire. Both fakes implement exactly these (unit/fake-cloud.test.ts checks it).
 */
export const AWS_OPERATIONS = [
  { service: "ec2", operation: "describe-volumes", action: "DescribeVolumes" },
  { service: "ec2", operation: "attach-volume", action: "AttachVolume" },
  { service: "ec2", operation: "describe-addresses", action: "DescribeAddresses" },
  { service: "ec2", operation: "associate-address", action: "AssociateAddress" },
  { service: "ssm", operation: "get-parameter", action: "GetParameter" },
  { service: "ssm", operation: "put-parameter", action: "PutParameter" },
  { service: "autoscaling", operation: "set-instance-health", action: "SetInstanceHealth" },
  { service: "autoscaling", operation: "complete-lifecycle-action", action: "CompleteLifecycleAction" },
  { service: "s3api", operation: "get-object", action: "GetObject" },
] as const satisfies readonly { service: AwsService; operation: string; action: string }[];

/**
 * Calls the loader makes only when the host script object's current version is not the one its user
 * data pins (a launch from an earlier template version: an instance refresh's rollback): it lists the
 * object's versions and fetches them by id (`get-object --version-id`, IAM's GetObjectVersion). The
 * sandbox's fake `aws` serves them (integration/boot-sandbox.test.ts); the VM's fake API does not (no
 * VM scenario rolls back).
 */
export const ROLLBACK_OPERATIONS = [
  { service: "s3api", operation: "list-object-versions", action: "ListBucketVersions" },
  { service: "s3api", operation: "get-object --version-id", action: "GetObjectVersion" },
] as const satisfies readonly { service: AwsService; operation: string; action: string }[];

/**
 * The call the boot script, the watchdog and the certificate guard make to publish an alarm's data
 * point (modules/host/metrics.ts `publish_metric`, rendered only when alerts are on): bounded, and
 * never failing its caller. Both fakes answer it: the sandbox's fake `aws`, and the VM's fake API
 * (query and JSON 1.0, its data points in `FakeAwsApi.dataPoints`), for a VM whose settings turn
 * alerts on (the VM scenarios keep them off).
 */
export const METRIC_OPERATIONS = [
  { service: "cloudwatch", operation: "put-metric-data", action: "PutMetricData" },
] as const satisfies readonly { service: AwsService; operation: string; action: string }[];

/**
 * Calls the status document makes on the host with the instance role (`npm run status`,
 * modules/ops/status.ts): the data volume's latest snapshot. Not the boot's, so neither fake answers it.
 */
export const STATUS_OPERATIONS = [
  { service: "ec2", operation: "describe-snapshots", action: "DescribeSnapshots" },
] as const satisfies readonly { service: AwsService; operation: string; action: string }[];

/** The IAM action of an operation ("ec2:AttachVolume"; the CLI's `s3api` is IAM's `s3`). */
export const iamActionOf = (o: { service: AwsService; action: string }): string => `${o.service === "s3api" ? "s3" : o.service}:${o.action}`;

/** An operation the host makes, in the CLI's words ("attach-volume"). */
export type AwsOperation = (typeof AWS_OPERATIONS)[number]["operation"];

/**
 * The CLI's words for an API action, by the rule the AWS CLI names its commands with
 * ("AttachVolume" → "attach-volume"); also for actions the host never makes, so a fake can record them.
 */
export function cliOperation(action: string): string {
  return action.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** One AWS call a fake recorded: what both fakes know of it. */
export interface AwsCall {
  /** The service, in the CLI's word ("ec2"). */
  service: string;
  /** The operation, in the CLI's words ("attach-volume"), whichever fake saw it. */
  operation: string;
}

/** A call as the sandbox's fake `aws` command saw it: a command line. */
export interface AwsCliCall extends AwsCall {
  /** The whole command line after `aws`. */
  argv: string[];
  /** AWS_DEFAULT_REGION of the caller, or null when unset. */
  region: string | null;
  /** put-parameter: the --cli-input-json request without its Value. */
  request?: Record<string, unknown>;
  /** put-parameter: the octal mode of the request file. */
  requestFileMode?: string;
}

/** A call as the VM's fake AWS API saw it: a signed HTTP request and the fake's answer. */
export interface AwsApiCall extends AwsCall {
  /** Instance whose credentials signed the call ("unknown" when not ours). */
  caller: string;
  /** The request's parameters by their API names; secret values replaced by their sha256. */
  params: Record<string, unknown>;
  /** HTTP status the fake answered with. */
  status: number;
  errorCode?: string;
  at: number;
}

/** One SSM parameter of the fake account: a secret of the catalogue under its name in this environment. */
export interface SecretParameter {
  /** `/openclaw/<environment>/<parameter>`. */
  name: string;
  secret: SecretSpec;
}

/** The fake account's SSM parameters, one per secret the environment has (`secretsInUse`), in the catalogue's order. */
export function secretParameters(s: Pick<GatewaySettings, "environment"> & { readonly openclaw?: unknown }): SecretParameter[] {
  return secretsInUse(s).map((secret) => ({ name: secretParameterName(s, secret), secret }));
}
