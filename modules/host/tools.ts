import { API_KEY_PLACEHOLDER, GATEWAY_TOKEN_PLACEHOLDER, resourceNames } from "../names";
import type { GatewaySettings } from "../settings/settings";
import { gatewayEnvironment, hostLayout, openclawCommand } from "./layout";
import { shellAssign, shellQuote, shellWords } from "./shell";
import { UNIT_NAMES } from "./units";

/** Where IMDSv2 answers on every EC2 instance (and in the test VM). */
export const IMDS_BASE = "http://169.254.169.254/latest";
/** How often a host tool tries an AWS call before it fails loudly. */
export const AWS_ATTEMPTS = 5;

/** Directory on tmpfs that holds the EnvironmentFile and the watchdog's counters. */
export const runDir = (s: Pick<GatewaySettings, "versions">): string => hostLayout(s).secretsEnvFile.replace(/\/[^/]+$/, "");

/**
 * `openclaw-refresh-secrets [--rotate-token] [--restart]`: reads both SSM parameters into the
 * gateway's EnvironmentFile (tmpfs, 0600). Generates and stores the gateway token while the
 * parameter still holds the placeholder (or on --rotate-token). Never prints a secret.
 */
export function refreshSecretsTool(s: GatewaySettings): string {
  const layout = hostLayout(s);
  const names = resourceNames(s);
  return `#!/bin/bash
# openclaw-refresh-secrets: SSM parameters -> the gateway's EnvironmentFile (tmpfs, 0600).
# Usage: openclaw-refresh-secrets [--rotate-token] [--restart]
# Values never reach argv or the log; the token travels to put-parameter in a 0600 file on tmpfs.
set -euo pipefail
umask 077
${shellAssign("TOKEN_PARAMETER", names.gatewayTokenParameter)}
${shellAssign("API_KEY_PARAMETER", names.apiKeyParameter)}
${shellAssign("KMS_KEY", names.kmsAlias)}
${shellAssign("TOKEN_PLACEHOLDER", GATEWAY_TOKEN_PLACEHOLDER)}
${shellAssign("API_KEY_PLACEHOLDER", API_KEY_PLACEHOLDER)}
${shellAssign("RUN_DIR", runDir(s))}
${shellAssign("ENV_FILE", layout.secretsEnvFile)}
${shellAssign("GATEWAY_UNIT", layout.gatewayUnit)}
${shellAssign("ATTEMPTS", AWS_ATTEMPTS)}
${shellAssign("REGION", s.region)}
export AWS_DEFAULT_REGION="\${AWS_DEFAULT_REGION:-$REGION}" AWS_PAGER=""

rotate=false restart=false
for arg in "$@"; do
  case "$arg" in
    --rotate-token) rotate=true ;;
    --restart) restart=true ;;
    *) echo "usage: openclaw-refresh-secrets [--rotate-token] [--restart]" >&2; exit 64 ;;
  esac
done
log() { echo "openclaw-refresh-secrets: $*" >&2; }

# retry DESCRIPTION COMMAND...: bounded retries with growing pauses, then a loud failure.
retry() {
  local what=$1 attempt=1
  shift
  until "$@"; do
    if [ "$attempt" -ge "$ATTEMPTS" ]; then
      log "FAILED: $what did not succeed after $ATTEMPTS attempts"
      return 1
    fi
    log "$what failed (attempt $attempt of $ATTEMPTS); retrying"
    sleep $((attempt * 3))
    attempt=$((attempt + 1))
  done
}

fetch_parameter() { PARAMETER_JSON=$(aws ssm get-parameter --name "$1" --with-decryption --output json); }

# read_parameter NAME VARIABLE: the decrypted value of NAME into VARIABLE.
read_parameter() {
  local value
  retry "reading $1 from SSM Parameter Store" fetch_parameter "$1"
  value=$(printf '%s' "$PARAMETER_JSON" | jq -er '.Parameter.Value')
  if [[ ! $value =~ ^[A-Za-z0-9._~+/=:-]+$ ]]; then
    log "FAILED: the value of $1 has characters an EnvironmentFile cannot carry (allowed: A-Z a-z 0-9 . _ ~ + / = : -)"
    return 1
  fi
  printf -v "$2" '%s' "$value"
}

put_token() { aws ssm put-parameter --cli-input-json "file://$1" --output json >/dev/null; }

# store_token VALUE: writes the gateway token parameter (SecureString, the stack's KMS key).
store_token() {
  local request
  request=$(mktemp "$RUN_DIR/put-parameter.XXXXXX")
  NEW_VALUE=$1 jq -n --arg name "$TOKEN_PARAMETER" --arg key "$KMS_KEY" \\
    '{Name: $name, Value: env.NEW_VALUE, Type: "SecureString", KeyId: $key, Overwrite: true}' >"$request"
  if ! retry "storing the gateway token in $TOKEN_PARAMETER" put_token "$request"; then
    rm -f "$request"
    return 1
  fi
  rm -f "$request"
}

token="" api_key=""
install -d -m 0700 "$RUN_DIR"
read_parameter "$TOKEN_PARAMETER" token
if [ "$token" = "$TOKEN_PLACEHOLDER" ] || [ "$rotate" = true ]; then
  # 256 bits from the kernel's CSPRNG, hex-encoded.
  token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \\n')
  store_token "$token"
  log "generated a new gateway token and stored it in $TOKEN_PARAMETER"
fi
read_parameter "$API_KEY_PARAMETER" api_key

content="OPENCLAW_GATEWAY_TOKEN=$token"
if [ "$api_key" = "$API_KEY_PLACEHOLDER" ]; then
  log "hint: $API_KEY_PARAMETER still holds its placeholder; set the Anthropic API key with: npm run secrets -- set-api-key"
else
  content+=$'\\n'"ANTHROPIC_API_KEY=$api_key"
fi
# Compared through a pipe (printf is a builtin: the values never reach argv).
if [ -f "$ENV_FILE" ] && printf '%s\\n' "$content" | cmp -s - "$ENV_FILE"; then
  log "$ENV_FILE is up to date"
else
  next=$(mktemp "$RUN_DIR/env.XXXXXX")
  printf '%s\\n' "$content" >"$next"
  chmod 0600 "$next"
  mv -f "$next" "$ENV_FILE"
  log "wrote $ENV_FILE"
fi
if [ "$restart" = true ]; then
  systemctl restart "$GATEWAY_UNIT"
  log "restarted $GATEWAY_UNIT"
fi
`;
}

/**
 * `openclaw-admin <openclaw arguments>`: the openclaw CLI as the gateway's user with the gateway's
 * environment and secrets, e.g. `openclaw-admin devices list --json` (SSM documents call it).
 */
export function adminTool(s: GatewaySettings): string {
  const layout = hostLayout(s);
  const exports = Object.entries(gatewayEnvironment(layout)).map(([name, value]) => `export ${shellAssign(name, value)}`);
  return `#!/bin/bash
# openclaw-admin: the openclaw CLI as the gateway's user, with the gateway's environment and secrets.
# Usage: openclaw-admin <openclaw arguments...>   e.g. openclaw-admin devices list --json
set -euo pipefail
${shellAssign("ENV_FILE", layout.secretsEnvFile)}
if [ "$(id -u)" -ne 0 ]; then
  echo "openclaw-admin: run as root (it switches to the ${layout.serviceUser} user)" >&2
  exit 77
fi
if [ ! -r "$ENV_FILE" ]; then
  echo "openclaw-admin: $ENV_FILE is missing; run ${layout.refreshSecretsTool} first" >&2
  exit 1
fi
# Only the two secrets are taken from the file (it is parsed, never sourced).
while IFS= read -r line; do
  case "$line" in
    OPENCLAW_GATEWAY_TOKEN=* | ANTHROPIC_API_KEY=*) export "\${line?}" ;;
  esac
done <"$ENV_FILE"
${exports.join("\n")}
cd "$OPENCLAW_STATE_DIR"
exec setpriv ${shellQuote(`--reuid=${layout.serviceUser}`)} ${shellQuote(`--regid=${layout.serviceUser}`)} --init-groups -- ${shellWords(openclawCommand(layout, []))} "$@"
`;
}

/**
 * `openclaw-watchdog`: one GET of /healthz (never /readyz). After `failuresBeforeReplacement`
 * consecutive failures it marks this instance Unhealthy, once, so the ASG replaces it.
 */
export function watchdogTool(s: GatewaySettings): string {
  const layout = hostLayout(s);
  return `#!/bin/bash
# openclaw-watchdog: one health check of the gateway, run by ${UNIT_NAMES.watchdogTimer}.
# After FAILURES_BEFORE_REPLACEMENT consecutive failed GETs of /healthz (never /readyz: it answers
# 403 through proxies) it reports this instance Unhealthy to its Auto Scaling group, exactly once.
set -euo pipefail
${shellAssign("HEALTH_URL", layout.healthUrl)}
${shellAssign("FAILURES_BEFORE_REPLACEMENT", s.watchdog.failuresBeforeReplacement)}
${shellAssign("STATE_DIR", `${runDir(s)}/watchdog`)}
${shellAssign("IMDS", IMDS_BASE)}
${shellAssign("REGION", s.region)}
export AWS_DEFAULT_REGION="\${AWS_DEFAULT_REGION:-$REGION}" AWS_PAGER=""
counter=$STATE_DIR/consecutive-failures
reported=$STATE_DIR/reported-unhealthy
install -d -m 0700 "$STATE_DIR"

if curl -fsS -o /dev/null --max-time 10 "$HEALTH_URL"; then
  # A recovery ends the streak: a later outage is reported again.
  echo 0 >"$counter"
  rm -f "$reported"
  exit 0
fi
failures=$(cat "$counter" 2>/dev/null || true)
[[ $failures =~ ^[0-9]+$ ]] || failures=0
failures=$((failures + 1))
echo "$failures" >"$counter"
echo "openclaw-watchdog: $HEALTH_URL failed ($failures consecutive; replacement after $FAILURES_BEFORE_REPLACEMENT)" >&2
if [ "$failures" -lt "$FAILURES_BEFORE_REPLACEMENT" ] || [ -e "$reported" ]; then
  exit 1
fi
imds_token=$(curl -fsS --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/api/token")
instance_id=$(curl -fsS --retry 3 -H "X-aws-ec2-metadata-token: $imds_token" "$IMDS/meta-data/instance-id")
# The N consecutive failures are the grace; within the group's own grace period a report that
# respected it would be dropped silently, and this one is sent only once.
aws autoscaling set-instance-health --instance-id "$instance_id" --health-status Unhealthy --no-should-respect-grace-period
touch "$reported"
echo "openclaw-watchdog: marked $instance_id Unhealthy; the Auto Scaling group will replace it" >&2
exit 1
`;
}

/** Every host tool: installed path → script. */
export function renderTools(s: GatewaySettings): Record<string, string> {
  const layout = hostLayout(s);
  return {
    [layout.refreshSecretsTool]: refreshSecretsTool(s),
    [layout.adminTool]: adminTool(s),
    [layout.watchdogTool]: watchdogTool(s),
  };
}
