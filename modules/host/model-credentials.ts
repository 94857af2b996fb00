import { resourceNames } from "../names";
import type { GatewaySettings } from "../settings/settings";
import { parseModel } from "../openclaw/providers";
import type { HostContract } from "./contract";
import { AWS_CLI_BOUNDS } from "./posix";
import { shellAssign } from "./shell";

/**
 * How the gateway gets AWS credentials for Amazon Bedrock without reaching the instance metadata
 * service (closed to every user but root: units.ts `imdsFirewallRules`). openclaw's amazon-bedrock
 * provider signs with the AWS SDK's default credential chain (openclaw 2026.9.6
 * docs/providers/bedrock.md), which reads a profile's `credential_process` from the shared config
 * file named by AWS_CONFIG_FILE. A root timer (`openclaw-model-credentials`) assumes the model role,
 * which holds only the Bedrock statements (modules/constructs/model-role.ts), and writes the session
 * in `credential_process` JSON to tmpfs, readable by the gateway's user; the profile's process just
 * prints that file. The SDK keeps process credentials until 5 minutes before their Expiration, then
 * runs the process again (aws/aws-sdk-js-v3#2109, read 2026-11-30): sessions last an hour (role
 * chaining's cap) and the timer renews the file every MODEL_CREDENTIALS_RENEW_MINUTES, so the file
 * always holds a session with 45+ minutes left. What the agent's tools (same user) can reach is
 * therefore what the gateway may do anyway: call the chosen model.
 */

/** Minutes between two renewals of the model credentials (sessions last 60). */
export const MODEL_CREDENTIALS_RENEW_MINUTES = 15;

/** True when the settings' model needs the model role's credentials on the host (Amazon Bedrock). */
export const needsModelCredentials = (s: Pick<GatewaySettings, "model">): boolean => parseModel(s.model)?.provider === "amazon-bedrock";

/** The model role's name (modules/constructs/model-role.ts names it the same way). */
export const modelRoleName = (s: Pick<GatewaySettings, "environment">): string => `${resourceNames(s).prefix}-model`;

/**
 * `openclaw-model-credentials`: assumes the model role with the host role (IMDS, root only) and
 * replaces the credentials file atomically. Run by its service with Group=<serviceUser>, so the file
 * is root:<serviceUser>; mode 0440. The session JSON goes from the AWS CLI straight into the file:
 * no credential reaches argv or the log. The account comes from GetCallerIdentity, which needs no
 * permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 */
export function modelCredentialsTool(s: Pick<GatewaySettings, "environment" | "region">, c: HostContract): string {
  return `#!/bin/bash
# openclaw-model-credentials: the model role's session -> the gateway's credential_process file.
set -euo pipefail
${shellAssign("CREDENTIALS_FILE", c.modelCredentialsFile)}
${shellAssign("ROLE_NAME", modelRoleName(s))}
${shellAssign("REGION", s.region)}
export AWS_DEFAULT_REGION="\${AWS_DEFAULT_REGION:-$REGION}" AWS_PAGER=""
account=$(aws sts get-caller-identity ${AWS_CLI_BOUNDS} --query Account --output text)
next=$(mktemp "$CREDENTIALS_FILE.XXXXXX")
trap 'rm -f "$next"' EXIT
aws sts assume-role ${AWS_CLI_BOUNDS} --role-arn "arn:aws:iam::$account:role/$ROLE_NAME" --role-session-name "$ROLE_NAME" \\
  --duration-seconds 3600 --output json \\
  --query '{Version: \`1\`, AccessKeyId: Credentials.AccessKeyId, SecretAccessKey: Credentials.SecretAccessKey, SessionToken: Credentials.SessionToken, Expiration: Credentials.Expiration}' \\
  >"$next"
chmod 0440 "$next"
mv -f "$next" "$CREDENTIALS_FILE"
echo "openclaw-model-credentials: renewed $CREDENTIALS_FILE"
`;
}

/** The gateway's AWS shared config file: the default profile prints the credentials file. */
export function awsConfigFile(c: Pick<HostContract, "modelCredentialsFile">): string {
  return `[default]\ncredential_process = /usr/bin/cat ${c.modelCredentialsFile}\n`;
}

/**
 * What the gateway's environment adds for Bedrock: the shared config with the credential process,
 * the region, and no metadata service (the firewall refuses it anyway; the SDK would try it last).
 */
export function modelEnvironment(s: Pick<GatewaySettings, "model" | "region">, c: Pick<HostContract, "awsConfigFile">): Record<string, string> {
  if (!needsModelCredentials(s)) return {};
  return { AWS_CONFIG_FILE: c.awsConfigFile, AWS_REGION: s.region, AWS_EC2_METADATA_DISABLED: "true" };
}
