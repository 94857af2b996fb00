import { resourceNames } from "../names";
import { secretParameterName, secretsInUse, SecretSpec, setCommandLine } from "../secrets-catalogue";
import type { GatewaySettings } from "../settings/settings";
import { toleratedStallSeconds, WATCHDOG_GET_TIMEOUT_SECONDS } from "../settings/settings";
import { backupTool } from "./backup";
import { applyConfigTool } from "./config-apply";
import { imdsPublicAddressCommand, renderCertGuard } from "./cert-guard";
import { HostContract, SECRETS_CREDENTIAL } from "./contract";
import { adminRunOptions, openclawCommand } from "./layout";
import { DATA_VOLUME_ALERT_PERCENT, hostMetrics, publishMetric, RESOURCE_METRIC_MINUTES } from "./metrics";
import { AWS_CLI_BOUNDS, healthCheckCommand, IMDS_FUNCTION, imdsTokenCommand, DESCRIBED_RETRY_FUNCTION, START_GRACE_SECONDS } from "./posix";
import { shellAssign, shellQuote, shellWords } from "./shell";
/** How often a host tool tries an AWS call before it fails loudly. */
export const AWS_ATTEMPTS = 5;

/**
 * bash that reads one secret of the catalogue into `secret` (not `value`: read_parameter's local) and adds it to the secrets
 * file's `content` (a JSON object by catalogue id). Host-written secrets are generated (256 bits) and stored while the parameter holds
 * the placeholder, or on --rotate-token; an operator secret still at its placeholder is left out
 * of the file with a hint naming the command that sets it (a required one fails the tool).
 */
export function secretLines(s: Pick<GatewaySettings, "environment">, secret: SecretSpec): string {
  const parameter = shellQuote(secretParameterName(s, secret));
  const placeholder = shellQuote(secret.placeholder);
  const add = `add_secret ${shellQuote(secret.id)} "$secret"`;
  if (secret.writer === "host") {
    return `read_parameter ${parameter} secret
if [ "$secret" = ${placeholder} ] || [ "$rotate" = true ]; then
  # 256 bits from the kernel's CSPRNG, hex-encoded.
  secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \\n')
  store_secret ${parameter} ${shellQuote(secret.label)} "$secret"
  log ${shellQuote(`generated a new ${secret.label} and stored it in ${secretParameterName(s, secret)}`)}
fi
${add}`;
  }
  const unset = `${secretParameterName(s, secret)} still holds its placeholder; set the ${secret.label} with: npm run secrets -- ${setCommandLine(secret)}`;
  // A required one stops here: the gateway cannot start without it.
  const onPlaceholder = secret.required ? `log ${shellQuote(`FAILED: ${unset}`)}
  exit 1` : `log ${shellQuote(`hint: ${unset}`)}`;
  return `read_parameter ${parameter} secret
if [ "$secret" = ${placeholder} ]; then
  ${onPlaceholder}
else
  ${add}
fi`;
}

/**
 * `openclaw-refresh-secrets [--rotate-token] [--restart]`: reads every secret of the catalogue
 * (modules/secrets-catalogue.ts) into the gateway's secrets file (tmpfs, 0600 root; the gateway's
 * unit loads it as a systemd credential, see layout.ts `openclawExecution`). Generates and
 * stores the host-written ones (the gateway token) while their parameter still holds the
 * placeholder (or on --rotate-token). Never prints a secret.
 */
export function refreshSecretsTool(s: GatewaySettings, c: HostContract): string {
  const names = resourceNames(s);
  return `#!/bin/bash
# openclaw-refresh-secrets: SSM parameters -> the gateway's secrets file (JSON, tmpfs, 0600 root).
# Usage: openclaw-refresh-secrets [--rotate-token] [--restart]
# Values never reach argv or the log; the token travels to put-parameter in a 0600 file on tmpfs.
set -euo pipefail
umask 077
${shellAssign("KMS_KEY", names.kmsAlias)}
${shellAssign("RUN_DIR", c.runDir)}
${shellAssign("SECRETS_FILE", c.secretsFile)}
${shellAssign("GATEWAY_UNIT", c.gatewayUnit)}
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

${DESCRIBED_RETRY_FUNCTION}

fetch_parameter() { PARAMETER_JSON=$(aws ssm get-parameter ${AWS_CLI_BOUNDS} --name "$1" --with-decryption --output json); }

# read_parameter NAME VARIABLE: the decrypted value of NAME into VARIABLE.
read_parameter() {
  local value
  retry "reading $1 from SSM Parameter Store" fetch_parameter "$1"
  value=$(printf '%s' "$PARAMETER_JSON" | jq -er '.Parameter.Value')
  if [[ ! $value =~ ^[A-Za-z0-9._~+/=:-]+$ ]]; then
    log "FAILED: the value of $1 has characters the host does not accept (allowed: A-Z a-z 0-9 . _ ~ + / = : -)"
    return 1
  fi
  printf -v "$2" '%s' "$value"
}

put_secret() { aws ssm put-parameter ${AWS_CLI_BOUNDS} --cli-input-json "file://$1" --output json >/dev/null; }

# store_secret NAME LABEL VALUE: writes a host-written secret's parameter (SecureString, the stack's KMS key).
store_secret() {
  local request
  request=$(mktemp "$RUN_DIR/put-parameter.XXXXXX")
  NEW_VALUE=$3 jq -n --arg name "$1" --arg key "$KMS_KEY" \\
    '{Name: $name, Value: env.NEW_VALUE, Type: "SecureString", KeyId: $key, Overwrite: true}' >"$request"
  if ! retry "storing the $2 in $1" put_secret "$request"; then
    rm -f "$request"
    return 1
  fi
  rm -f "$request"
}

# add_secret ID VALUE: one member of the secrets file's JSON object (the value reaches jq through a
# pipe and its environment, never argv).
add_secret() { content=$(printf '%s' "$content" | SECRET_VALUE=$2 jq -c --arg id "$1" '. + {($id): env.SECRET_VALUE}'); }

secret="" content="{}"
install -d -m 0700 "$RUN_DIR"
${secretsInUse(s).map((secret) => secretLines(s, secret)).join("\n")}
# Compared through a pipe (printf is a builtin: the values never reach argv).
if [ -f "$SECRETS_FILE" ] && printf '%s\\n' "$content" | cmp -s - "$SECRETS_FILE"; then
  log "$SECRETS_FILE is up to date"
else
  next=$(mktemp "$RUN_DIR/secrets.XXXXXX")
  printf '%s\\n' "$content" >"$next"
  chmod 0600 "$next"
  mv -f "$next" "$SECRETS_FILE"
  log "wrote $SECRETS_FILE"
fi
if [ "$restart" = true ]; then
  systemctl restart "$GATEWAY_UNIT"
  log "restarted $GATEWAY_UNIT"
fi
`;
}

/**
 * `openclaw-admin <openclaw arguments>`: the openclaw CLI as the gateway runs, e.g. `openclaw-admin
 * devices list --json` (SSM documents call it). It runs as a transient systemd service with the
 * gateway unit's user, working directory, environment, umask and credential (`openclawExecution`):
 * systemd copies the root-only secrets file into that unit's own credentials directory, so the CLI
 * resolves openclaw.json's SecretRefs exactly as the gateway does, and the secrets never pass
 * through a file, variable or argument this script makes. `--pipe` hands the caller's stdin, stdout
 * and stderr to the CLI; `--wait` returns its exit status (systemd-run(1), systemd 252).
 */
export function adminTool(c: HostContract): string {
  const options = adminRunOptions(c);
  return `#!/bin/bash
# openclaw-admin: the openclaw CLI as the gateway runs it (its user, environment and secrets credential).
# Usage: openclaw-admin <openclaw arguments...>   e.g. openclaw-admin devices list --json
set -euo pipefail
${shellAssign("SECRETS_FILE", c.secretsFile)}
if [ "$(id -u)" -ne 0 ]; then
  echo "openclaw-admin: run as root (it runs the CLI as the ${c.serviceUser} user, with the ${SECRETS_CREDENTIAL} credential)" >&2
  exit 77
fi
if [ ! -s "$SECRETS_FILE" ]; then
  echo "openclaw-admin: $SECRETS_FILE is missing; run ${c.refreshSecretsTool} first" >&2
  exit 1
fi
exec systemd-run ${shellWords(options)} -- ${shellWords(openclawCommand(c, []))} "$@"
`;
}

/** Minutes the maintenance switch holds before the watchdog removes it (a forgotten switch must not disable self-healing for good). */
export const MAINTENANCE_MAX_MINUTES = 240;
/** openclaw's exit status for a configuration error (EXIT_CONFIG_ERROR, sysexits EX_CONFIG): a new host fails the same way. */
export const CONFIG_ERROR_STATUS = 78;

/**
 * `openclaw-watchdog`: one GET of /healthz (never /readyz), bounded by WATCHDOG_GET_TIMEOUT_SECONDS,
 * whose JSON body must say the gateway is live (posix.ts). After `failuresBeforeReplacement`
 * consecutive failures it marks this instance Unhealthy, once, so the ASG replaces it, except while
 * the maintenance switch is on (an operator stopped the gateway) or when the gateway stopped with its
 * config-error status: that is reported (log and status file), because a replacement host would fail
 * the same way. The start window is not counted: while the gateway's run that the boot or an operator
 * started (systemd's NRestarts=0) is younger than the boot's own /healthz wait (START_GRACE_SECONDS, posix.ts: within it the boot
 * decides, CONTINUE or ABANDON) (or, before its first
 * start, the boot is), a failure is "starting"; a run systemd restarted after a crash is counted, so a
 * crash loop is still replaced. The age is /proc/uptime minus ActiveEnterTimestampMonotonic (uptime
 * also counts time suspended, which can only shorten the grace). systemd resets NRestarts on every
 * start that is not its own automatic restart (service_start() in
 * https://github.com/systemd/systemd/blob/main/src/core/service.c, read 2026-11-30).
 */
export function watchdogTool(s: GatewaySettings, c: HostContract): string {
  const metrics = hostMetrics(s);
  return `#!/bin/bash
# openclaw-watchdog: one health check of the gateway, run by ${c.watchdogTimerUnit}.
# After FAILURES_BEFORE_REPLACEMENT consecutive failed GETs of /healthz (never /readyz: it answers
# 403 through proxies) it reports this instance Unhealthy to its Auto Scaling group, exactly once.
# Its verdict is in STATUS_FILE; a MAINTENANCE_FILE younger than MAINTENANCE_MAX_MINUTES pauses it.
# A stall longer than ${toleratedStallSeconds(s.watchdog)} s is reported; the start is not counted (below).
set -euo pipefail
${shellAssign("HEALTH_URL", c.healthUrl)}
${shellAssign("FAILURES_BEFORE_REPLACEMENT", s.watchdog.failuresBeforeReplacement)}
${shellAssign("START_GRACE_SECONDS", START_GRACE_SECONDS)}
${shellAssign("START_MARK", c.gatewayStartMark)}
${shellAssign("STATE_DIR", c.watchdogStateDir)}
${shellAssign("STATUS_FILE", c.watchdogStatusFile)}
${shellAssign("MAINTENANCE_FILE", c.maintenanceFile)}
${shellAssign("MAINTENANCE_MAX_MINUTES", MAINTENANCE_MAX_MINUTES)}
${shellAssign("GATEWAY_UNIT", c.gatewayUnit)}
${shellAssign("IMDS", c.imdsBase)}
${shellAssign("REGION", s.region)}
${metrics ? `${shellAssign("DATA_MOUNT", c.dataMount)}
${shellAssign("MEMORY_EVENTS", GATEWAY_SLICE_MEMORY_EVENTS)}
` : ""}export AWS_DEFAULT_REGION="\${AWS_DEFAULT_REGION:-$REGION}" AWS_PAGER=""
counter=$STATE_DIR/consecutive-failures
reported=$STATE_DIR/reported-unhealthy
install -d -m 0700 "$STATE_DIR"
say() { echo "openclaw-watchdog: $*" >&2; }
# verdict TEXT: the watchdog's last verdict, one line with its time.
verdict() { printf '%s %s\\n' "$(date -u +%FT%TZ)" "$*" >"$STATUS_FILE"; }
${metrics ? `${metrics.functions}
${resourceCheckFunction()}
check_resources
` : ""}
if [ -e "$MAINTENANCE_FILE" ]; then
  if [ -n "$(find "$MAINTENANCE_FILE" -maxdepth 0 -mmin "-$MAINTENANCE_MAX_MINUTES")" ]; then
    say "maintenance switch $MAINTENANCE_FILE is on: nothing checked (remove it when done)"
    echo 0 >"$counter"
    verdict "maintenance"
    exit 0
  fi
  rm -f "$MAINTENANCE_FILE"
  say "maintenance switch $MAINTENANCE_FILE was older than $MAINTENANCE_MAX_MINUTES minutes: removed it; checking again"
fi

if ${healthCheckCommand('"$HEALTH_URL"', WATCHDOG_GET_TIMEOUT_SECONDS)}; then
  # A recovery ends the streak: a later outage is reported again.
  echo 0 >"$counter"
  rm -f "$reported"
  verdict "healthy"
  exit 0
fi
unit_state=$(systemctl show -p ActiveState -p ExecMainStatus -p ActiveEnterTimestampMonotonic -p NRestarts "$GATEWAY_UNIT" || true)
if grep -qx 'ExecMainStatus=${CONFIG_ERROR_STATUS}' <<<"$unit_state"; then
  # Its last run exited with the config status (systemd starts it again: a transient start failure
  # recovers); a new host would read the same settings and fail the same way.
  echo 0 >"$counter"
  verdict "config-error: $GATEWAY_UNIT exited with status ${CONFIG_ERROR_STATUS}; not replacing the host"
  say "ALERT: $GATEWAY_UNIT stopped with status ${CONFIG_ERROR_STATUS} (configuration error): not replacing the host, which would fail the same way; see journalctl -u $GATEWAY_UNIT"
  exit 1
fi
# The start window opens at the latest of: the kernel's boot (systemd starts the gateway then), the
# boot script's start of it (its mark), a start by hand (NRestarts=0: when that run entered active).
# Restarts systemd makes on its own open none, so a crash loop that outlasts the window is replaced;
# inside it, a start that exits and is restarted (openclaw's 5 s lease-heartbeat cap on a slow
# machine) is not an outage.
read -r up _ </proc/uptime
up=\${up%.*}
since=0
mark=$(cat "$START_MARK" 2>/dev/null || true)
if [[ $mark =~ ^[0-9]+$ ]] && [ "$mark" -gt "$since" ]; then since=$mark; fi
entered=$(sed -n 's/^ActiveEnterTimestampMonotonic=//p' <<<"$unit_state")
if [[ $entered =~ ^[0-9]+$ ]] && grep -qx NRestarts=0 <<<"$unit_state" && [ $((entered / 1000000)) -gt "$since" ]; then
  since=$((entered / 1000000))
fi
age=$((up - since))
if [ "$age" -lt "$START_GRACE_SECONDS" ]; then
  echo 0 >"$counter"
  verdict "starting: not counted for $START_GRACE_SECONDS s; $GATEWAY_UNIT started $age s ago"
  exit 0
fi
failures=$(cat "$counter" 2>/dev/null || true)
[[ $failures =~ ^[0-9]+$ ]] || failures=0
failures=$((failures + 1))
echo "$failures" >"$counter"
say "$HEALTH_URL failed ($failures consecutive; replacement after $FAILURES_BEFORE_REPLACEMENT)"
if [ -e "$reported" ]; then
  verdict "replacing: this instance is marked Unhealthy ($failures consecutive failures)"
  exit 1
fi
verdict "unhealthy: $failures consecutive failures (replacement after $FAILURES_BEFORE_REPLACEMENT)"
if [ "$failures" -lt "$FAILURES_BEFORE_REPLACEMENT" ]; then
  exit 1
fi
${IMDS_FUNCTION}
IMDS_TOKEN=$(${imdsTokenCommand(300)})
instance_id=$(imds instance-id)
# The N consecutive failures are the grace; within the group's own grace period a report that
# respected it would be dropped silently, and this one is sent only once.
aws autoscaling set-instance-health ${AWS_CLI_BOUNDS} --instance-id "$instance_id" --health-status Unhealthy --no-should-respect-grace-period
touch "$reported"
${metrics ? `${metrics.publish("watchdogReplacement", 1)}
` : ""}verdict "replacing: marked $instance_id Unhealthy after $failures consecutive failures"
say "marked $instance_id Unhealthy; the Auto Scaling group will replace it"
exit 1
`;
}

/**
 * memory.events of the slice the gateway runs in (its unit sets no Slice=): cgroup v2 counts a
 * descendant's events in its ancestors' files too (hierarchical, the default without the
 * memory_localevents mount option: https://docs.kernel.org/admin-guide/cgroup-v2.html, "memory.events",
 * read 2026-11-30). Not the gateway's own cgroup: an OOM kill stops the unit (OOMPolicy=stop), systemd
 * removes its cgroup and restarts it with fresh counters, so its own file forgets the kill within a
 * second, while the slice's keeps it. The slice also counts the root oneshots' MemoryMax (256M).
 */
export const GATEWAY_SLICE_MEMORY_EVENTS = "/sys/fs/cgroup/system.slice/memory.events";

/**
 * bash function `check_resources` of the watchdog (every run, before the health check; never fails):
 * at most every RESOURCE_METRIC_MINUTES it publishes the data volume's use when it is at least
 * DATA_VOLUME_ALERT_PERCENT, and the growth of the slice's memory events `max` + `oom_kill` since the
 * last data point when it grew (a lower count than the last one restarts the count: a new boot).
 * Nothing is sent while all is well, so the metrics cost nothing then (modules/host/metrics.ts).
 */
export function resourceCheckFunction(): string {
  return `# check_resources: data volume use and memory events -> CloudWatch, only when worth an alarm.
check_resources() {
  local stamp=$STATE_DIR/resources-published seen=$STATE_DIR/memory-events used events=0 last sent=false
  if [ -n "$(find "$stamp" -maxdepth 0 -mmin -${RESOURCE_METRIC_MINUTES} 2>/dev/null)" ]; then return 0; fi
  used=$(df --output=pcent "$DATA_MOUNT" 2>/dev/null | tail -n 1 | tr -dc 0-9) || used=
  if [ -n "$used" ] && [ "$used" -ge ${DATA_VOLUME_ALERT_PERCENT} ]; then
    say "ALERT: the data volume $DATA_MOUNT is $used% full"
    ${publishMetric("dataVolumeUsage", '"$used"')}
    sent=true
  fi
  if [ -r "$MEMORY_EVENTS" ]; then
    events=$(awk '$1 == "max" || $1 == "oom_kill" { n += $2 } END { print n + 0 }' "$MEMORY_EVENTS") || events=0
  fi
  last=$(cat "$seen" 2>/dev/null) || last=0
  [[ $last =~ ^[0-9]+$ ]] && [ "$last" -le "$events" ] || last=0
  if [ "$events" -gt "$last" ]; then
    say "ALERT: $((events - last)) new memory events (MemoryMax reached or OOM kill) in $MEMORY_EVENTS"
    ${publishMetric("memoryPressure", '"$((events - last))"')}
    sent=true
  fi
  echo "$events" >"$seen"
  if [ "$sent" = true ]; then touch "$stamp"; fi
  return 0
}`;
}

/**
 * `openclaw-cert-guard` for this host's domain, Traefik unit and the public address from IMDSv2; with
 * alerts on, a certificate that is not OK is also a CertificateProblem data point (modules/host/metrics.ts).
 */
export function certGuardTool(s: Pick<GatewaySettings, "domainName" | "alerts" | "environment" | "region">, c: HostContract): string {
  const metrics = hostMetrics(s);
  return renderCertGuard({
    domain: s.domainName,
    publicAddressCommand: imdsPublicAddressCommand(c.imdsBase),
    stateDir: c.certGuardStateDir,
    traefikUnit: c.traefikUnit,
    alert: metrics && { functions: metrics.functions, command: metrics.publish("certificateProblem", 1) },
  });
}

/** Every host tool: installed path → script. */
export function renderTools(s: GatewaySettings, c: HostContract): Record<string, string> {
  return {
    [c.refreshSecretsTool]: refreshSecretsTool(s, c),
    [c.adminTool]: adminTool(c),
    [c.watchdogTool]: watchdogTool(s, c),
    [c.certGuardTool]: certGuardTool(s, c),
    [c.backupTool]: backupTool(s, c),
    [c.applyConfigTool]: applyConfigTool(s, c),
  };
}
