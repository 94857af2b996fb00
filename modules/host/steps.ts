import * as path from "node:path";
import { DATA_VOLUME_ROLE, ENVIRONMENT_TAG, resourceNames, ROLE_TAG } from "../names";
import { architectureOfSettings, GatewaySettings } from "../settings/settings";
import { imdsPublicAddressCommand, renderDnsWait } from "./cert-guard";
import type { HostContract } from "./contract";
import { HOST_OS_PROFILES } from "./host-os";
import { memoryBudget } from "./memory";
import { HOST_METRICS, hostMetrics } from "./metrics";
import { ALLOWED_INSTALL_SCRIPTS, downloadPins, hostScriptLocation, openclawLock, openclawLockLocation, SHIPPED_PINS, shippedOpenclawTreePin } from "./pins";
import { STATE_DIR_MODE } from "./layout";
import { AWS_CLI_BOUNDS, BOOT_HEALTH_WAIT, healthWaitLines, IMDS_FUNCTION, imdsTokenCommand, RETRY_FUNCTION } from "./posix";
import { heredoc, shellAssign, shellQuote, shellWords } from "./shell";
import { renderTools } from "./tools";
import { traefikDynamicConfig, traefikStaticConfig, traefikYaml } from "./traefik";
import { imdsFirewallRules, renderUnits } from "./units";

/** A file the boot script writes, and the flags (shell variables) set to 1 when its content changes. */
export interface HostFile {
  path: string;
  /** Octal mode as `stat -c %a` prints it, e.g. "600". */
  mode: string;
  /** `user:group`. */
  owner: string;
  content: string;
  flags: string[];
}

/** Bounded waits of the boot script: attempts × seconds between them. */
export const WAITS = {
  /** The data volume may still be attached to the instance being replaced: up to 15 minutes. */
  volume: { attempts: 90, delay: 10 },
  /** The NVMe device appears a few seconds after attach-volume. */
  device: { attempts: 60, delay: 2 },
  /** Describe/attach/associate calls. */
  aws: { attempts: 5, delay: 5 },
  /** The gateway's first 200 on /healthz (posix.ts BOOT_HEALTH_WAIT). */
  health: BOOT_HEALTH_WAIT,
} as const;

/**
 * Upper bounds of the boot's network steps, in seconds. npm: the real install took 159 s in the
 * TCG test VM idle and up to 11 min under load (docs/proofs.md, Timings); on EC2 it is faster.
 * Downloads: one attempt of a release archive (Node.js is ~30 MB); all attempts of one file.
 */
export const NETWORK_BOUNDS = { npmInstall: 1200, download: 600, downloadAllAttempts: 900, connect: 10 } as const;

/**
 * The launch lifecycle hook the Auto Scaling group holds every new instance in (Pending:Wait) until
 * the boot script completes it: CONTINUE once the gateway answers /healthz, ABANDON when the boot
 * fails. Declared on the group by modules/constructs/host.ts.
 */
export const LAUNCH_HOOK = {
  name: "openclaw-boot",
  /**
   * Seconds a launch may take before the group abandons it by itself (an instance that hung, or
   * failed before it knew its id). The longest first boot measured: 319 s in the TCG test VM idle,
   * ~820 s with the npm install under load (docs/proofs.md, Timings); 1800 s leaves 2.2× over that.
   * Long enough for every first boot, so the boot sends no RecordLifecycleActionHeartbeat.
   */
  heartbeatTimeoutSeconds: 1800,
} as const;

/** Header, strict mode, the log, the error trap and the helpers every later step uses. */
export function preamble(s: GatewaySettings, c: HostContract): string {
  return `#!/bin/bash
# openclaw-aws boot script for environment ${s.environment} (${s.hostOs}); rendered by modules/host.
set -euo pipefail
set -o errtrace
umask 022
${shellAssign("LOG", c.bootstrapLog)}
exec > >(tee -a "$LOG") 2>&1
TEE_PID=$!
STEP=start
${shellAssign("ENVIRONMENT", s.environment)}
${shellAssign("DOMAIN", s.domainName)}
${shellAssign("NODE_VERSION", s.versions.node)}
${shellAssign("OPENCLAW_VERSION", s.versions.openclaw)}
${shellAssign("TRAEFIK_VERSION", s.versions.traefik)}
log() { echo "$(date -u +%FT%TZ)     $*" >&2; }
step() { STEP=$1; echo "$(date -u +%FT%TZ) ==> $STEP"; }
on_error() { log "FAILED in step '$STEP' (exit $1, line $2); the boot did not complete"; }
# A failed boot abandons the launch (the group terminates this instance and launches another);
# complete_launch exists once the instance id is known (the metadata step). Then tee writes everything.
finish() {
  local status=$?
  if [ "$status" != 0 ]; then
    if declare -F complete_launch >/dev/null; then
      complete_launch ABANDON
    else
      log "launch not abandoned: the instance id is unknown (the lifecycle hook's timeout abandons it)"
    fi
  fi
  exec >&- 2>&-
  wait "$TEE_PID" 2>/dev/null || true
}
trap 'on_error $? $LINENO' ERR
trap finish EXIT
export AWS_PAGER="" HOME="\${HOME:-/root}"
log "openclaw-aws boot for environment $ENVIRONMENT"

${loaderHelpers()}
GATEWAY_RESTART=0 TRAEFIK_RESTART=0 UNITS_CHANGED=0 FSTAB_CHANGED=0 FILE_CHANGED=0
`;
}

/**
 * How many of the host script object's versions the loader tries when the current one is not the one
 * its user data pins: a launch from an earlier template version (an instance refresh's automatic
 * rollback, or a launch while a deploy is under way) needs the host script of that version, which
 * the versioned bucket keeps as a noncurrent version.
 */
export const HOST_SCRIPT_VERSIONS_SEARCHED = 20;

/** Where the loader keeps the host script it ran (root disk, root only). */
const hostScriptDir = (c: HostContract): string => path.posix.dirname(c.hostScript);

/**
 * The loader's last step: fetches the host script (every later step) from the stack's artifacts
 * bucket with the same bounded, retried call as the openclaw lock, checks it against the sha256 this
 * user data pins, keeps it at HOST_SCRIPT (rewritten only when it changed) and sources it: the rest
 * of the boot runs in this shell, with its strict mode, traps, log and variables. A missing object or
 * another sha256 fails the boot before a line of it runs (and so abandons the launch), naming the object.
 */
export function hostScriptStep(s: GatewaySettings, c: HostContract, sha256: string): string {
  const at = hostScriptLocation(s);
  const { aws } = WAITS;
  const object = `s3://${at.bucket}/${at.key}`;
  return `step "fetch the host script"
${shellAssign("HOST_SCRIPT", c.hostScript)}
HOST_SCRIPT_SHA256=${sha256}
HOST_SCRIPT_NEXT=$(mktemp)
fetch_host_script() {
  retry ${aws.attempts} ${aws.delay} aws s3api get-object ${AWS_CLI_BOUNDS} --bucket ${shellQuote(at.bucket)} --key ${shellQuote(at.key)} "$@" "$HOST_SCRIPT_NEXT" >/dev/null
}
if ! fetch_host_script; then
  log "could not fetch the host script ${object}"
  false
fi
if ! verify "$HOST_SCRIPT_NEXT" - "$HOST_SCRIPT_SHA256"; then
  found=""
  for version in $(retry ${aws.attempts} ${aws.delay} aws s3api list-object-versions ${AWS_CLI_BOUNDS} --bucket ${shellQuote(at.bucket)} --prefix ${shellQuote(at.key)} --output json \
      | jq -r --arg key ${shellQuote(at.key)} '[.Versions[]? | select(.Key == $key)] | .[:${HOST_SCRIPT_VERSIONS_SEARCHED}][] | .VersionId'); do
    if fetch_host_script --version-id "$version" && verify "$HOST_SCRIPT_NEXT" - "$HOST_SCRIPT_SHA256"; then found=$version; break; fi
  done
  if [ -z "$found" ]; then
    log "REFUSED the host script ${object}: neither it nor its ${HOST_SCRIPT_VERSIONS_SEARCHED} newest versions are the one this user data pins"
    false
  fi
  log "the host script this user data pins is version $found of ${object} (a later deploy replaced it)"
fi
install -d -m 700 ${shellQuote(hostScriptDir(c))}
if ! cmp -s "$HOST_SCRIPT_NEXT" "$HOST_SCRIPT"; then install -m 600 "$HOST_SCRIPT_NEXT" "$HOST_SCRIPT"; fi
rm -f "$HOST_SCRIPT_NEXT"
# shellcheck source=/dev/null
source "$HOST_SCRIPT"
`;
}

/**
 * The host script's first lines: what it is (the loader checks and sources it; it is not run on its
 * own) and the helpers only its steps use.
 */
export function hostScriptHeader(s: GatewaySettings): string {
  return `#!/bin/bash
# openclaw-aws host script for environment ${s.environment} (${s.hostOs}); rendered by modules/host.
# The user data's loader fetched it from the artifacts bucket, checked its sha256 and sources it: it
# runs in the loader's shell (strict mode, error trap, log, the variables of the loader's steps).
${hostHelpers()}`;
}

/**
 * `complete_launch RESULT`: completes this instance's launch lifecycle action with CONTINUE or
 * ABANDON, at most once per run (LAUNCH_RESULT), one bounded call. The group refuses it when the
 * instance is not in Pending:Wait (a re-run on an InService host, a group without the hook): that
 * is logged and ignored, so a re-run never takes a serving host down. Defined by the metadata step
 * (it needs the instance id); before that, the hook's heartbeat timeout abandons a failed launch.
 *
 * No extra backoff before ABANDON (decided for issue 12): a host-specific failure is replaced at
 * once. During an outage that outlasts the boot, the abandon/relaunch loop is bounded by what each
 * boot already spends on its bounded retries (minutes per cycle), by the group's single instance
 * (the loop costs about what a running host costs), and after about 24 hours of failed launches by
 * AWS's administrative suspension of the group's Launch process ("Suspend and resume Amazon EC2
 * Auto Scaling processes", Amazon EC2 Auto Scaling User Guide, read 2026-11-30). docs/operating.md
 * tells the operator what they see and do. With alerts on, each result is also a data point of the
 * BootAbandoned metric (modules/host/metrics.ts), published before the call: the alarm on it is the e-mail.
 */
export function completeLaunchFunction(s: GatewaySettings): string {
  const group = resourceNames(s).autoScalingGroup;
  const metrics = hostMetrics(s);
  return `LAUNCH_RESULT=
${metrics ? `${metrics.functions}
` : ""}# complete_launch CONTINUE|ABANDON: tells the Auto Scaling group how this instance's launch ended (once)${metrics ? `,
# and CloudWatch: ${HOST_METRICS.bootAbandoned.name} 1 on ABANDON (an alarm), 0 on CONTINUE` : ""}.
complete_launch() {
  if [ -n "$LAUNCH_RESULT" ]; then return 0; fi
  LAUNCH_RESULT=$1
${metrics ? `  if [ "$1" = ABANDON ]; then ${metrics.publish("bootAbandoned", 1)}; else ${metrics.publish("bootAbandoned", 0)}; fi
` : ""}  if aws autoscaling complete-lifecycle-action ${AWS_CLI_BOUNDS} --lifecycle-hook-name ${shellQuote(LAUNCH_HOOK.name)} \\
    --auto-scaling-group-name ${shellQuote(group)} --instance-id "$INSTANCE_ID" --lifecycle-action-result "$1" >/dev/null; then
    log "launch lifecycle action completed: $1"
  else
    log "launch lifecycle action $1 not accepted (expected when this instance is not waiting in Pending:Wait, e.g. a re-run on an InService host); ignored"
  fi
}`;
}

/** Every helper function of the boot: the loader's (user data), then the host script's. */
export const shellHelpers = (): string => `${loaderHelpers()}\n${hostHelpers()}`;

/**
 * Helper functions the user data's loader defines (and the host script, sourced by it, uses too):
 * bounded retries, downloads and their sha256 verification. They log through the caller's `log`.
 * - `fetch URL FILE`: download with retries on transient errors.
 * - `verify FILE SUMS [PIN]`: FILE's sha256 must match its line in SUMS (the publisher's checksum
 *   file: it only catches corruption; `-` when the publisher has none, then PIN must be given), and
 *   PIN when one is given (the settings' or modules/host/pins.ts's, carried by the user data: it
 *   catches a changed archive).
 */
export function loaderHelpers(): string {
  return `${RETRY_FUNCTION}

fetch() { curl -fsSL --retry 5 --retry-delay 3 --retry-max-time ${NETWORK_BOUNDS.downloadAllAttempts} --connect-timeout ${NETWORK_BOUNDS.connect} --max-time ${NETWORK_BOUNDS.download} -o "$2" "$1"; }

verify() {
  local name actual listed
  name=$(basename "$1")
  actual=$(sha256sum "$1" | cut -d ' ' -f 1)
  if [ "$2" != - ]; then
    listed=$(awk -v f="$name" '$2 == f || $2 == "*" f { print $1 }' "$2")
    if [ -z "$listed" ] || [ "$actual" != "$listed" ]; then
      log "sha256 of $name is $actual; the published checksums say '\${listed:-nothing}'"
      return 1
    fi
  fi
  if [ -n "\${3:-}" ] && [ "$actual" != "$3" ]; then
    log "sha256 of $name is $actual; the pin is $3"
    return 1
  fi
  log "sha256 of $name verified"
}
`;
}

/**
 * Helper functions of the host script: idempotent file writes and modes, and the runtimes' install
 * and re-verification (issue 13, item 6: nothing on the data volume is trusted by its name alone).
 * - `tree_matches ARCHIVE DIR TAR_ARGS...`: DIR holds exactly what ARCHIVE unpacks to with TAR_ARGS:
 *   every file's content, mode, time and link target (`tar --compare`), no other file, all owned by
 *   the boot's user (root).
 * - `ensure_release LABEL VERSION DIR ARCHIVE CHECKSUMS_URL ARCHIVE_URL PIN TAR_ARGS...`, at every
 *   boot: the release archive kept at ARCHIVE (its published name, next to DIR) must pass `verify`
 *   against PIN (without a pin: against the published checksums, fetched again), else it is
 *   downloaded and verified again (checksums and PIN); DIR must match it (`tree_matches`), else it is
 *   unpacked again into DIR.partial and renamed to DIR (an interrupted install leaves no DIR behind).
 *   Each reinstall of an existing tree or archive is logged as `REINSTALLING`.
 */
export function hostHelpers(): string {
  return `# ensure_mode PATH MODE OWNER: chmod/chown only when they differ (a re-run changes nothing). Never
# through a symbolic link: as root that would re-own and re-mode whatever the link points at.
ensure_mode() {
  if [ -L "$1" ]; then
    log "REFUSED to chown/chmod $1: it is a symbolic link (to $(readlink "$1")); its target is left as it is"
    return 1
  fi
  if [ "$(stat -c '%a %U:%G' "$1")" != "$2 $3" ]; then
    chown -h "$3" "$1"
    chmod "$2" "$1"
  fi
}

# ensure_dir PATH MODE OWNER
ensure_dir() {
  mkdir -p "$1"
  ensure_mode "$@"
}

# put_file PATH MODE OWNER < CONTENT: replaces PATH only when the content differs; FILE_CHANGED=1 then.
# The new content is staged outside the target's directory, which is touched only on a change.
put_file() {
  local next tmp
  mkdir -p "$(dirname "$1")"
  next=$(mktemp)
  cat >"$next"
  if [ -f "$1" ] && [ ! -L "$1" ] && cmp -s "$next" "$1"; then
    rm -f "$next"
    FILE_CHANGED=0
  else
    tmp=$(mktemp "$1.XXXXXX")
    cat "$next" >"$tmp"
    rm -f "$next"
    chown "$3" "$tmp"
    chmod "$2" "$tmp"
    mv -f "$tmp" "$1"
    FILE_CHANGED=1
    log "wrote $1"
  fi
  ensure_mode "$@"
}

tree_matches() {
  local archive=$1 dir=$2 compared differences
  shift 2
  if [ ! -d "$dir" ] || [ -L "$dir" ]; then
    log "$dir is missing"
    return 1
  fi
  if [ -n "$(find "$dir" \\( ! -uid "$(id -u)" -o ! -gid "$(id -g)" \\) -print -quit)" ]; then
    log "$dir holds files of another owner than root"
    return 1
  fi
  # One pass over the archive (decompressing Node's takes seconds): --verbose lists every member as tar
  # compares it; a difference is a line "NAME: ... differs", a problem a line "tar: ...". Unpacked with
  # --no-same-owner, the archive's owners never match (ownership is checked above); the stripped top
  # directory of an archive has an empty name, which tar cannot stat.
  compared=$(LC_ALL=C tar -d -v -f "$archive" -C "$dir" --show-transformed-names "$@" 2>&1 || true)
  differences=$(grep -E -e '^tar: ' -e ': [A-Za-z ]+ differs$' <<<"$compared" | grep -v -e ': [UG]id differs$' -e '^tar: : Warning: Cannot stat' || true)
  if [ -n "$differences" ]; then
    log "$dir differs from $(basename "$archive"): $(head -n 5 <<<"$differences" | tr '\\n' ' ')"
    return 1
  fi
  if [ "$(grep -v -E -e '^tar: ' -e ': [A-Za-z ]+ differs$' <<<"$compared" | sed 's|/$||' | grep -v '^$' | LC_ALL=C sort)" != "$(find "$dir" -mindepth 1 -printf '%P\\n' | LC_ALL=C sort)" ]; then
    log "$dir holds files $(basename "$archive") does not"
    return 1
  fi
}

ensure_release() {
  local label=$1 version=$2 dir=$3 archive=$4 checksums_url=$5 archive_url=$6 pin=$7 downloads sums=-
  shift 7
  downloads=$(mktemp -d)
  if [ -z "$pin" ]; then
    sums=$downloads/checksums
    fetch "$checksums_url" "$sums"
  fi
  if [ -f "$archive" ] && verify "$archive" "$sums" "$pin"; then
    if tree_matches "$archive" "$dir" "$@"; then
      log "$label $version on the volume matches its verified archive"
      rm -rf "$downloads"
      return 0
    fi
    if [ -e "$dir" ]; then log "REINSTALLING $label $version from its verified archive: the tree on the volume changed"; fi
  else
    if [ -e "$archive" ]; then log "REINSTALLING $label $version: its archive on the volume fails the check"; fi
    if [ "$sums" = - ]; then
      sums=$downloads/checksums
      fetch "$checksums_url" "$sums"
    fi
    fetch "$archive_url" "$downloads/$(basename "$archive")"
    verify "$downloads/$(basename "$archive")" "$sums" "$pin"
    mkdir -p "$(dirname "$archive")"
    mv -f "$downloads/$(basename "$archive")" "$archive"
  fi
  rm -rf "$dir.partial" "$downloads"
  mkdir -p "$dir.partial"
  tar -x -f "$archive" -C "$dir.partial" --no-same-owner "$@"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  log "installed $label $version"
}
`;
}

/** OS packages, installed only when a command is missing (a test VM is offline). */
export function packagesStep(s: GatewaySettings): string {
  const os = HOST_OS_PROFILES[s.hostOs];
  const checks = Object.entries(os.requiredCommands).map(([command, pkg]) =>
    `command -v ${shellQuote(command)} >/dev/null 2>&1 || MISSING+=(${shellQuote(pkg)})`);
  return `step "OS packages"
${os.packageSourcesOverHttps ? `${os.packageSourcesOverHttps}\n` : ""}MISSING=()
${checks.join("\n")}
if [ "\${#MISSING[@]}" -gt 0 ]; then
  log "installing \${MISSING[*]}"
${os.refreshPackageIndex ? `  ${os.refreshPackageIndex}\n` : ""}  ${os.installPackages} "\${MISSING[@]}"
else
  log "all needed commands are present"
fi
`;
}

/**
 * A swap file on the root disk (encrypted, per instance: no memory pages outlive the host on the
 * data volume), created once and listed in fstab so a reboot keeps it. Early: \`npm install\` needs it.
 */
export function swapStep(s: GatewaySettings, c: HostContract): string {
  const { swapMiB } = memoryBudget(s.instanceType);
  return `step "swap file"
${shellAssign("SWAP_FILE", c.swapFile)}
if swapon --show=NAME --noheadings | grep -qxF "$SWAP_FILE"; then
  log "swap $SWAP_FILE is on"
else
  if [ ! -f "$SWAP_FILE" ]; then
    # fallocate: instant, and accepted by swapon on ext4 and XFS (both roots) with Linux 6.1.
    fallocate -l ${swapMiB}M "$SWAP_FILE"
    chmod 600 "$SWAP_FILE"
    mkswap "$SWAP_FILE" >/dev/null
  fi
  swapon "$SWAP_FILE"
  log "swap $SWAP_FILE (${swapMiB} MiB) is on"
fi
SWAP_FSTAB="$SWAP_FILE none swap sw,nofail 0 0"
# Only when missing: the mount step appends its own line after this one, and a re-run changes nothing.
if ! grep -qxF -- "$SWAP_FSTAB" /etc/fstab; then
  FSTAB=$(
    grep -v "^\${SWAP_FILE}[[:space:]]" /etc/fstab || true
    echo "$SWAP_FSTAB"
  )
  put_file /etc/fstab 644 root:root <<<"$FSTAB"
fi
`;
}

/** IMDSv2 session token, instance id and region; then the launch can be completed (complete_launch). */
export function metadataStep(s: GatewaySettings, c: HostContract): string {
  return `step "instance metadata (IMDSv2)"
${shellAssign("IMDS", c.imdsBase)}
IMDS_TOKEN=$(${imdsTokenCommand(21600)})
${IMDS_FUNCTION}
INSTANCE_ID=$(imds instance-id)
AWS_DEFAULT_REGION=$(imds placement/region)
export AWS_DEFAULT_REGION
log "instance $INSTANCE_ID in $AWS_DEFAULT_REGION"
${completeLaunchFunction(s)}
`;
}

/** cloud-init drop-in that keeps the host name set below across reboots (cloud-init would reset it). */
export const preserveHostNameFile = (c: HostContract): HostFile => ({
  path: c.cloudInitHostNameDropIn,
  mode: "644",
  owner: "root:root",
  content: "# openclaw-aws: every instance of the environment keeps the host name openclaw-<environment>.\npreserve_hostname: true\n",
  flags: [],
});

/**
 * The environment's stable host name, set before the gateway ever starts. openclaw reclaims a
 * killed gateway's state lease only when the lease's host name is this host's, so with EC2's
 * per-instance name a replacement would crash-loop for the lease's 5-minute TTL.
 */
export function hostNameStep(c: HostContract): string {
  return `step "host name"
${shellAssign("HOST_NAME", c.hostName)}
${writeFileCommand(preserveHostNameFile(c))}
if [ "$(hostnamectl hostname)" != "$HOST_NAME" ]; then
  log "host name $(hostnamectl hostname) -> $HOST_NAME"
  hostnamectl set-hostname "$HOST_NAME"
fi
`;
}

/** `--filters` words that select one resource of this environment by its role tag. */
const tagFilters = (s: GatewaySettings, role: string): string =>
  shellWords([`Name=tag:${ENVIRONMENT_TAG},Values=${s.environment}`, `Name=tag:${ROLE_TAG},Values=${role}`]);

/** One resource of this environment, found by its role tag with `aws ec2 describe-<kind>`. */
interface TaggedLookup {
  /** `volume` / `address`: the shell function `describe_<kind>` and the variables `<KIND>_JSON`, `<KIND>_COUNT`. */
  kind: string;
  /** The describe command's noun and its result list, e.g. `volumes` / `Volumes`. */
  noun: string;
  list: string;
  /** What the log calls it. */
  what: string;
  role: string;
}

/** bash that describes the environment's one resource of a role (bounded retries) and fails unless exactly one exists. */
function findTaggedOne(s: GatewaySettings, l: TaggedLookup): string {
  const { aws } = WAITS;
  const name = l.kind.toUpperCase();
  return `describe_${l.kind}() { ${name}_JSON=$(aws ec2 describe-${l.noun} ${AWS_CLI_BOUNDS} --filters ${tagFilters(s, l.role)} --output json); }
retry ${aws.attempts} ${aws.delay} describe_${l.kind}
${name}_COUNT=$(jq '.${l.list} | length' <<<"$${name}_JSON")
if [ "$${name}_COUNT" != 1 ]; then
  log "expected exactly one ${l.what} tagged ${ENVIRONMENT_TAG}=$ENVIRONMENT, ${ROLE_TAG}=${l.role}; found $${name}_COUNT"
  false
fi`;
}

/** Finds the data volume by tags, waits until it is free (or already ours) and attaches it. */
export function volumeStep(s: GatewaySettings): string {
  const { volume, aws, device } = WAITS;
  return `step "find the data volume"
${findTaggedOne(s, { kind: "volume", noun: "volumes", list: "Volumes", what: "volume", role: DATA_VOLUME_ROLE })}
VOLUME_ID=$(jq -r '.Volumes[0].VolumeId' <<<"$VOLUME_JSON")
log "data volume $VOLUME_ID"

step "wait for the data volume"
# It may still be attached to the instance this one replaces: wait until it is free or ours.
volume_free() {
  describe_volume || return 1
  VOLUME_STATE=$(jq -r '.Volumes[0].State' <<<"$VOLUME_JSON")
  VOLUME_HOLDER=$(jq -r '.Volumes[0].Attachments[0].InstanceId // ""' <<<"$VOLUME_JSON")
  if [ "$VOLUME_STATE" = available ] || [ "$VOLUME_HOLDER" = "$INSTANCE_ID" ]; then return 0; fi
  log "volume $VOLUME_ID is $VOLUME_STATE\${VOLUME_HOLDER:+ on $VOLUME_HOLDER}; waiting"
  return 1
}
retry ${volume.attempts} ${volume.delay} volume_free

step "attach the data volume"
if [ "$VOLUME_HOLDER" = "$INSTANCE_ID" ]; then
  log "volume $VOLUME_ID is already attached to this instance"
else
  retry ${aws.attempts} ${aws.delay} aws ec2 attach-volume ${AWS_CLI_BOUNDS} --volume-id "$VOLUME_ID" --instance-id "$INSTANCE_ID" --device /dev/sdf --output json >/dev/null
  log "attached $VOLUME_ID"
fi
# Nitro exposes EBS volumes as NVMe devices whose serial is the volume id without its dash
# (newer udev also adds links with a namespace suffix, _1).
SERIAL=\${VOLUME_ID//-/}
find_device() {
  local link
  for link in /dev/disk/by-id/nvme-*_"$SERIAL" /dev/disk/by-id/nvme-*_"$SERIAL"_[0-9]*; do
    case "$link" in *-part*) continue ;; esac
    if [ -e "$link" ]; then
      DEVICE=$(readlink -f "$link")
      return 0
    fi
  done
  return 1
}
retry ${device.attempts} ${device.delay} find_device
log "device $DEVICE"
`;
}

/**
 * Mount options of the data volume: nothing on it may gain privileges (no set-uid binaries, no
 * device nodes: a service user can write parts of it), and no access-time writes.
 */
export const DATA_MOUNT_OPTIONS = "noatime,nosuid,nodev";

/** mkfs only when blkid finds no filesystem; fstab by UUID with nofail; mount. */
export function mountStep(c: HostContract): string {
  return `step "filesystem on the data volume"
# blkid -p exits 2 when the device holds no filesystem; any other failure must not lead to mkfs.
BLKID_STATUS=0
blkid -p "$DEVICE" >/dev/null 2>&1 || BLKID_STATUS=$?
case "$BLKID_STATUS" in
  0) log "$DEVICE already holds a filesystem; keeping it" ;;
  2) log "$DEVICE holds no filesystem; creating ext4"; mkfs.ext4 -q -L openclaw-data "$DEVICE" ;;
  *) log "blkid failed on $DEVICE (exit $BLKID_STATUS)"; false ;;
esac

step "mount the data volume"
${shellAssign("DATA_MOUNT", c.dataMount)}
FS_UUID=$(blkid -p -o value -s UUID "$DEVICE")
mkdir -p "$DATA_MOUNT"
FSTAB=$(
  grep -v "[[:space:]]${c.dataMount}[[:space:]]" /etc/fstab || true
  echo "UUID=$FS_UUID $DATA_MOUNT ext4 defaults,nofail,${DATA_MOUNT_OPTIONS} 0 2"
)
put_file /etc/fstab 644 root:root <<<"$FSTAB"
FSTAB_CHANGED=$FILE_CHANGED
if [ "$FSTAB_CHANGED" = 1 ]; then systemctl daemon-reload; fi
if mountpoint -q "$DATA_MOUNT"; then
  log "$DATA_MOUNT is mounted"
else
  # By device, not by the fstab UUID: udev may not have linked the new filesystem's UUID yet.
  mount -o ${DATA_MOUNT_OPTIONS} "$DEVICE" "$DATA_MOUNT"
  log "mounted $DEVICE at $DATA_MOUNT"
fi
`;
}

/** Grows the mounted ext4 filesystem to its device when the volume was enlarged (online; logs before and after). */
export function growStep(): string {
  return `step "grow the data filesystem"
# Raising dataVolumeSizeGiB grows the EBS volume, never its filesystem: ext4 grows online, mounted.
fs_bytes() { dumpe2fs -h "$DEVICE" 2>/dev/null | awk -F: '/^Block count:/ { n = $2 } /^Block size:/ { b = $2 } END { printf "%.0f", n * b }'; }
DEVICE_BYTES=$(blockdev --getsize64 "$DEVICE")
FS_BYTES=$(fs_bytes)
if [ "$DEVICE_BYTES" -gt "$FS_BYTES" ]; then
  log "the filesystem on $DEVICE has $FS_BYTES of the device's $DEVICE_BYTES bytes; growing it online"
  resize2fs "$DEVICE"
  log "the filesystem on $DEVICE now has $(fs_bytes) bytes"
else
  log "the filesystem fills $DEVICE ($FS_BYTES bytes)"
fi
`;
}

/** Associates the environment's Elastic IP with this instance (taking it from a dying one). */
export function addressStep(s: GatewaySettings): string {
  const { aws } = WAITS;
  return `step "associate the Elastic IP"
${findTaggedOne(s, { kind: "address", noun: "addresses", list: "Addresses", what: "Elastic IP", role: "address" })}
ALLOCATION_ID=$(jq -r '.Addresses[0].AllocationId' <<<"$ADDRESS_JSON")
PUBLIC_IP=$(jq -r '.Addresses[0].PublicIp' <<<"$ADDRESS_JSON")
ADDRESS_HOLDER=$(jq -r '.Addresses[0].InstanceId // ""' <<<"$ADDRESS_JSON")
if [ "$ADDRESS_HOLDER" = "$INSTANCE_ID" ]; then
  log "$PUBLIC_IP is already associated with this instance"
else
  retry ${aws.attempts} ${aws.delay} aws ec2 associate-address ${AWS_CLI_BOUNDS} --allocation-id "$ALLOCATION_ID" --instance-id "$INSTANCE_ID" --allow-reassociation --output json >/dev/null
  log "associated $PUBLIC_IP (was: \${ADDRESS_HOLDER:-unassociated})"
fi
`;
}

/** `base/relative`, whether or not the configured base URL ends with a slash. */
const urlUnder = (base: string, relative: string): string => `${base.replace(/\/+$/, "")}/${relative}`;

/**
 * A release the boot script downloads, verifies and unpacks onto the data volume, and re-verifies
 * at every boot: Node.js and Traefik both go through this one routine (the `ensure_release` helper).
 */
export interface Release {
  /** What the log calls it, e.g. "Node.js". */
  label: string;
  /** Shell variable holding the pinned version (set by the preamble). */
  versionVariable: string;
  /** Directory it is unpacked into (replaced whole: `<dir>.partial` first, then renamed). */
  dir: string;
  /** Where the verified archive is kept (its published name, next to dir): re-checked every boot. */
  archive: string;
  /** URL of the published checksum file. */
  checksumsUrl: string;
  /** URL of the archive. */
  archiveUrl: string;
  /** sha256 pin from the settings or modules/host/pins.ts (empty: the published checksums alone). */
  pin: string;
  /** Extra tar words: the decompression flag and what to take from the archive. */
  tarArgs: string[];
}

/**
 * bash that makes one release's tree on the volume exactly its verified archive (issue 13, item 6):
 * nothing of it is run, and its version string is not trusted, before `ensure_release` checked it.
 */
export function releaseInstallLines(r: Release): string {
  return `ensure_release ${shellQuote(r.label)} "$${r.versionVariable}" ${shellWords([r.dir, r.archive, r.checksumsUrl, r.archiveUrl, r.pin, ...r.tarArgs])}
`;
}

/** The pinned Node.js release on the volume, verified (and installed or reinstalled when needed) at every boot. */
export function nodeStep(s: GatewaySettings, c: HostContract): string {
  const v = s.versions.node;
  const base = urlUnder(s.downloads.nodeBaseUrl, `v${v}`);
  return `step "install Node.js $NODE_VERSION"
${shellAssign("NODE_DIR", c.nodeDir)}
${releaseInstallLines({
    label: "Node.js",
    versionVariable: "NODE_VERSION",
    dir: c.nodeDir,
    archive: c.nodeArchive,
    checksumsUrl: `${base}/SHASUMS256.txt`,
    archiveUrl: `${base}/${path.posix.basename(c.nodeArchive)}`,
    pin: downloadPins(s, architectureOfSettings(s)).node ?? "",
    tarArgs: ["-J", "--strip-components=1"],
  })}`;
}

/**
 * bash: `tree_manifest DIR` lists every path under DIR with its type, mode and link target, then every
 * file's sha256; `tree_digest DIR` is the sha256 of that manifest less the content of npm's own record
 * of the tree, `node_modules/.package-lock.json` (listed, but its format follows npm's version: npm 10
 * writes it differently from 11 and 12 for the same tree; Node never loads it). One definition for the
 * boot script and `npm run pin:openclaw-tree`, which computes SHIPPED_PINS.openclawTree with it.
 */
export const OPENCLAW_TREE_FUNCTIONS = `# tree_manifest DIR: every path under DIR with its type, mode and link target, then every file's sha256.
tree_manifest() {
  (cd "$1" && find . -printf '%P %y %m %l\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
# tree_digest DIR: the manifest's sha256, without the content of npm's own record of the tree (its format follows npm's version).
tree_digest() {
  tree_manifest "$1" | grep -v -x -E '[0-9a-f]{64}  \\./node_modules/\\.package-lock\\.json' | sha256sum | cut -d' ' -f1
}
`;

/** The uid/gid npm runs as while it installs openclaw: `nobody` (65534 on Amazon Linux and Debian alike). */
export const INSTALL_UID = 65534;

/**
 * The pinned openclaw in its versioned prefix on the volume, installed from the project's lock
 * (modules/host/openclaw/, modules/host/pins.ts) and re-verified at every boot (issue 13, item 6).
 *
 * Install: the host fetches the lock from the stack's artifacts bucket, checks its sha256 against the
 * pin in this script, and runs `npm ci` (every package checked against the lock's sha512 integrity)
 * with no install scripts, then `npm rebuild` of the packages whose scripts are needed
 * (ALLOWED_INSTALL_SCRIPTS). npm runs as `nobody`, so no package's script runs as root; the tree is
 * root's once it is complete. npm's cache (the packages' tarballs) stays in the prefix.
 *
 * Every later boot: the lock on the volume must still match its pin, and the same two npm commands,
 * run offline from a copy of that cache (npm checks every tarball against the lock's sha512 as it
 * reads it) into a scratch directory on the root disk, must give exactly the installed tree (every
 * file's path, type, mode, link target and sha256); the prefix must hold nothing else and be root's,
 * and no `node_modules` may sit above it on the volume (Node's module resolution walks up). Anything
 * else reinstalls from the registry. Chosen over a cheaper check because npm records no per-file
 * hashes of an installed tree (the lock's integrity covers the tarballs), and `npm rebuild openclaw`
 * changes the tree after unpacking: the only exact reference is a fresh install. Measured at ~13 s
 * natively for the real openclaw (~300 s under the VM proof's emulated CPU); the sandbox measures
 * only the shell around it.
 *
 * Where the project ships a pin of that fresh install's manifest for this lock and architecture
 * (`SHIPPED_PINS.openclawTree`, x86_64), the manifest of the volume's tree is compared with the pin
 * first: the same reference, computed once by the project instead of at every boot. A tree that
 * differs from the pin still gets the comparison with a fresh install before it is reinstalled, and
 * the log says so (a pin that a real install does not reproduce costs time, never correctness). The
 * VM proof's replacement checks the pin against the tree its first boot installed.
 */
export function openclawStep(s: GatewaySettings, c: HostContract): string {
  const v = s.versions.openclaw;
  const lock = openclawLock();
  const at = openclawLockLocation(s, lock);
  const rebuild = (dir: string) => ALLOWED_INSTALL_SCRIPTS.length > 0 ? ` && npm_nobody ${dir} rebuild ${shellWords([...ALLOWED_INSTALL_SCRIPTS])}` : "";
  const { aws } = WAITS;
  const strays = [c.dataMount, c.runtimeDir, "$OPENCLAW_PREFIX"].map((dir) => `"${dir}/node_modules"`).join(" ");
  const treePin = shippedOpenclawTreePin(lock.sha256, architectureOfSettings(s)) ?? "";
  return `step "install openclaw $OPENCLAW_VERSION"
${shellAssign("OPENCLAW_PREFIX", c.openclawPrefix)}
OPENCLAW_PACKAGE=$OPENCLAW_PREFIX/lib/node_modules/openclaw/package.json
LOCK_SHA256=${lock.sha256}
# tree_digest of a fresh install of this lock on this architecture (SHIPPED_PINS.openclawTree; empty: none shipped).
TREE_SHA256=${treePin}
OPENCLAW_PACKAGE_JSON=${shellQuote(JSON.stringify(JSON.parse(lock.packageJson)))}
# npm_nobody DIR ARGS...: npm in DIR/lib as nobody (no package script runs as root), its cache in DIR/.npm.
npm_nobody() {
  local dir=$1
  shift
  (cd "$dir/lib" && setpriv --reuid=${INSTALL_UID} --regid=${INSTALL_UID} --clear-groups env HOME="$dir/.npm" npm_config_cache="$dir/.npm" \\
    PATH="$NODE_DIR/bin:$PATH" timeout --kill-after=30 ${NETWORK_BOUNDS.npmInstall} npm "$@" --registry ${shellQuote(s.downloads.npmRegistry)} --no-fund --no-audit --loglevel=warn)
}
${OPENCLAW_TREE_FUNCTIONS}# tree_pinned DIR: whether DIR's tree_digest is the pinned one.
tree_pinned() {
  [ -n "$TREE_SHA256" ] && [ "$(tree_digest "$1")" = "$TREE_SHA256" ]
}
# openclaw_matches: the installed tree is what the lock installs: its pinned manifest, else a fresh install from the volume's npm cache alone.
openclaw_matches() {
  local check status=0
  if [ "$(find "$OPENCLAW_PREFIX" -mindepth 1 -maxdepth 1 -printf '%f\\n' | LC_ALL=C sort | tr '\\n' ' ')" != ".installed .npm bin lib " ] \\
    || [ "$(readlink "$OPENCLAW_PREFIX/bin/openclaw")" != ../lib/node_modules/openclaw/openclaw.mjs ] \\
    || [ "$(find "$OPENCLAW_PREFIX/bin" -mindepth 1 -printf '%f ')" != "openclaw " ] \\
    || [ -n "$(find "$OPENCLAW_PREFIX" \\( ! -uid 0 -o ! -gid 0 \\) -print -quit)" ]; then
    log "$OPENCLAW_PREFIX holds other files or owners than an install leaves"
    return 1
  fi
  if tree_pinned "$OPENCLAW_PREFIX/lib"; then
    log "openclaw $OPENCLAW_VERSION on the volume matches its pinned manifest"
    return 0
  fi
  if [ -n "$TREE_SHA256" ]; then log "$OPENCLAW_PREFIX/lib differs from its pinned manifest: comparing it with a fresh install of its lock"; fi
  check=$(mktemp -d -p /var/tmp openclaw-check.XXXXXX)
  mkdir "$check/lib"
  cp -R "$OPENCLAW_PREFIX/.npm" "$check/.npm"
  cp "$OPENCLAW_PREFIX/lib/package-lock.json" "$check/lib/package-lock.json"
  echo "$OPENCLAW_PACKAGE_JSON" >"$check/lib/package.json"
  chown -R ${INSTALL_UID}:${INSTALL_UID} "$check"
  if ! { npm_nobody "$check" ci --offline --ignore-scripts${rebuild('"$check"')}; }; then
    log "openclaw could not be installed again from the volume's npm cache"
    status=1
  elif [ "$(tree_manifest "$check/lib")" != "$(tree_manifest "$OPENCLAW_PREFIX/lib")" ]; then
    log "$OPENCLAW_PREFIX/lib differs from a fresh install of its lock"
    status=1
  fi
  rm -rf "$check"
  if [ "$status" -eq 0 ]; then log "openclaw $OPENCLAW_VERSION on the volume matches a fresh install of its lock"; fi
  return "$status"
}
for stray in ${strays}; do
  if [ -e "$stray" ] || [ -L "$stray" ]; then
    log "REMOVED $stray: Node would resolve modules from it"
    rm -rf -- "$stray"
  fi
done
if ! { [ -f "$OPENCLAW_PREFIX/.installed" ] && verify "$OPENCLAW_PREFIX/lib/package-lock.json" - "$LOCK_SHA256" && openclaw_matches; }; then
  if [ -e "$OPENCLAW_PREFIX" ]; then log "REINSTALLING openclaw $OPENCLAW_VERSION from its lock: the install on the volume is incomplete or changed"; fi
  rm -rf "$OPENCLAW_PREFIX"
  mkdir -p "$OPENCLAW_PREFIX/lib" "$OPENCLAW_PREFIX/bin"
  retry ${aws.attempts} ${aws.delay} aws s3api get-object ${AWS_CLI_BOUNDS} --bucket ${shellQuote(at.bucket)} --key "${at.key.replace(lock.sha256, "$LOCK_SHA256")}" "$OPENCLAW_PREFIX/lib/package-lock.json" >/dev/null
  verify "$OPENCLAW_PREFIX/lib/package-lock.json" - "$LOCK_SHA256"
  echo "$OPENCLAW_PACKAGE_JSON" >"$OPENCLAW_PREFIX/lib/package.json"
  chown -R ${INSTALL_UID}:${INSTALL_UID} "$OPENCLAW_PREFIX"
  npm_nobody "$OPENCLAW_PREFIX" ci --ignore-scripts${rebuild('"$OPENCLAW_PREFIX"')}
  chown -R root:root "$OPENCLAW_PREFIX"
  ln -sfn ../lib/node_modules/openclaw/openclaw.mjs "$OPENCLAW_PREFIX/bin/openclaw"
  [ "$(jq -r .version "$OPENCLAW_PACKAGE")" = ${shellQuote(v)} ]
  touch "$OPENCLAW_PREFIX/.installed"
  log "installed openclaw $OPENCLAW_VERSION from its lock"
fi
`;
}

/** The pinned Traefik release on the volume, verified (and installed or reinstalled when needed) at every boot. */
export function traefikStep(s: GatewaySettings, c: HostContract): string {
  const v = s.versions.traefik;
  const base = urlUnder(s.downloads.traefikBaseUrl, `v${v}`);
  return `step "install Traefik $TRAEFIK_VERSION"
${releaseInstallLines({
    label: "Traefik",
    versionVariable: "TRAEFIK_VERSION",
    dir: c.traefikDir,
    archive: c.traefikArchive,
    checksumsUrl: `${base}/traefik_v${v}_checksums.txt`,
    archiveUrl: `${base}/${path.posix.basename(c.traefikArchive)}`,
    pin: downloadPins(s, architectureOfSettings(s)).traefik ?? "",
    tarArgs: ["-z", "traefik"],
  })}`;
}

/**
 * Keeps the runtimes this boot uses and the ones the previous boot used (a rollback reinstalls
 * nothing), each with its verified archive, and removes every other entry under the runtime
 * directory (older versions, the other architecture's older ones, interrupted installs).
 */
export function pruneRuntimesStep(c: HostContract): string {
  const current = [c.nodeDir, c.nodeArchive, c.openclawPrefix, c.traefikDir, c.traefikArchive].map((entry) => entry.slice(c.runtimeDir.length + 1));
  return `step "prune old runtimes"
${shellAssign("RUNTIME_DIR", c.runtimeDir)}
${shellAssign("RUNTIMES_CURRENT", c.runtimesCurrentList)}
${shellAssign("RUNTIMES_PREVIOUS", c.runtimesPreviousList)}
RUNTIMES=$(printf '%s\\n' ${shellWords(current)})
if [ -f "$RUNTIMES_CURRENT" ] && [ "$(cat "$RUNTIMES_CURRENT")" != "$RUNTIMES" ]; then
  mv -f "$RUNTIMES_CURRENT" "$RUNTIMES_PREVIOUS"
fi
put_file "$RUNTIMES_CURRENT" 644 root:root <<<"$RUNTIMES"
for dir in "$RUNTIME_DIR"/*; do
  name=$(basename "$dir")
  if [ ! -e "$dir" ] || grep -qxF -- "$name" "$RUNTIMES_CURRENT" "$RUNTIMES_PREVIOUS" 2>/dev/null; then continue; fi
  rm -rf -- "$dir"
  log "pruned $dir (neither the current nor the previous runtime)"
done
`;
}

/** System users, state directories and modes (state 700, acme.json 600). */
export function usersAndDirectoriesStep(s: GatewaySettings, c: HostContract): string {
  const nologin = HOST_OS_PROFILES[s.hostOs].nologinShell;
  const svc = c.serviceUser;
  const traefik = shellQuote(c.traefikUser);
  return `step "service users"
ensure_user() {
  if ! id -u "$1" >/dev/null 2>&1; then
    useradd --system --user-group --home-dir "$2" --no-create-home --shell ${shellQuote(nologin)} "$1"
    log "created user $1"
  fi
}
ensure_user ${shellQuote(svc)} ${shellQuote(c.stateDir)}
ensure_user ${traefik} /nonexistent

step "directories and modes"
# A replacement host may have given a user another uid than the one owning its files on the volume.
reown() {
  if [ -d "$1" ] && [ "$(stat -c %u "$1")" != "$(id -u "$2")" ]; then
    chown -R "$2:$2" "$1"
    log "re-owned $1 to $2"
  fi
}
reown ${shellQuote(c.stateDir)} ${shellQuote(svc)}
reown ${shellQuote(c.traefikDataDir)} ${traefik}
reown ${shellQuote(c.backupsDir)} ${shellQuote(svc)}
ensure_dir ${shellQuote(c.stateDir)} ${STATE_DIR_MODE.toString(8)} ${shellQuote(`${svc}:${svc}`)}
ensure_dir ${shellQuote(c.traefikDataDir)} 700 ${shellQuote(`${c.traefikUser}:${c.traefikUser}`)}
# Traefik owns its directory and could leave a symbolic link as acme.json: remove the link, never follow it.
if [ -L ${shellQuote(c.acmeStorage)} ]; then
  log "${c.acmeStorage} is a symbolic link (to $(readlink ${shellQuote(c.acmeStorage)})); removed the link, its target is left as it is"
  rm -f ${shellQuote(c.acmeStorage)}
fi
if [ ! -e ${shellQuote(c.acmeStorage)} ]; then
  install -m 600 -o ${traefik} -g ${traefik} /dev/null ${shellQuote(c.acmeStorage)}
fi
ensure_mode ${shellQuote(c.acmeStorage)} 600 ${shellQuote(`${c.traefikUser}:${c.traefikUser}`)}
ensure_dir ${shellQuote(c.backupsDir)} 700 ${shellQuote(`${svc}:${svc}`)}
reown ${shellQuote(c.gatewayCompileCache)} ${shellQuote(svc)}
ensure_dir ${shellQuote(c.gatewayCompileCache)} 700 ${shellQuote(`${svc}:${svc}`)}
# The gateway's compile cache keeps one folder per openclaw version (openclaw/<version>/<install>): only this one stays.
if [ -d ${shellQuote(`${c.gatewayCompileCache}/openclaw`)} ]; then
  find ${shellQuote(`${c.gatewayCompileCache}/openclaw`)} -mindepth 1 -maxdepth 1 ! -name ${shellQuote(s.versions.openclaw)} -exec rm -rf {} +
fi
ensure_dir ${shellQuote(c.runDir)} 700 root:root
ensure_dir ${shellQuote(c.traefikConfigDir)} 755 root:root
`;
}

/** Every file the boot script writes after the directories exist, in order, with its restart flags. */
export function hostFiles(s: GatewaySettings, c: HostContract): HostFile[] {
  return [...imdsFirewallFiles(s, c), ...toolFiles(s, c), ...configFiles(s, c)];
}

/** The metadata service's firewall: its nftables rules and the unit that loads them at every boot. */
export const imdsFirewallFiles = (s: GatewaySettings, c: HostContract): HostFile[] => [
  { path: c.imdsFirewallRules, mode: "644", owner: "root:root", content: imdsFirewallRules(s, c), flags: ["FIREWALL_RESTART"] },
  { path: `${c.unitDir}/${c.imdsFirewallUnit}`, mode: "644", owner: "root:root", content: renderUnits(s, c)[c.imdsFirewallUnit],
    flags: ["FIREWALL_RELOAD", "FIREWALL_RESTART"] },
];

/**
 * Closes the instance metadata service to every user but root (the unit loads the rules at every
 * later boot too), before anything runs as a service user. The unit fails on a rule nft refuses,
 * and with it this step.
 */
export function imdsFirewallStep(s: GatewaySettings, c: HostContract): string {
  return `step "close the instance metadata service to non-root users"
FIREWALL_RELOAD=0 FIREWALL_RESTART=0
${imdsFirewallFiles(s, c).map(writeFileCommand).join("\n")}
if [ "$FIREWALL_RELOAD" = 1 ]; then systemctl daemon-reload; fi
systemctl enable --quiet ${c.imdsFirewallUnit}
if [ "$FIREWALL_RESTART" = 1 ]; then systemctl restart ${c.imdsFirewallUnit}; else systemctl start ${c.imdsFirewallUnit}; fi
`;
}

/** The host tools (root-owned executables). */
export const toolFiles = (s: GatewaySettings, c: HostContract): HostFile[] =>
  Object.entries(renderTools(s, c)).map(([path, content]) => ({ path, mode: "755", owner: "root:root", content, flags: [] }));

/** Traefik's configuration and the systemd units (openclaw.json is openclaw-apply-config's: configStep). */
export function configFiles(s: GatewaySettings, c: HostContract): HostFile[] {
  const units = renderUnits(s, c);
  const unitFile = (name: string, flags: string[]): HostFile =>
    ({ path: `${c.unitDir}/${name}`, mode: "644", owner: "root:root", content: units[name], flags: ["UNITS_CHANGED", ...flags] });
  return [
    { path: c.traefikStaticConfig, mode: "644", owner: "root:root", content: traefikYaml(traefikStaticConfig(s, c)), flags: ["TRAEFIK_RESTART"] },
    { path: c.traefikDynamicConfig, mode: "644", owner: "root:root", content: traefikYaml(traefikDynamicConfig(s, c)), flags: ["TRAEFIK_RESTART"] },
    unitFile(c.secretsUnit, []),
    unitFile(c.gatewayUnit, ["GATEWAY_RESTART"]),
    unitFile(c.traefikUnit, ["TRAEFIK_RESTART"]),
    unitFile(c.watchdogServiceUnit, []),
    unitFile(c.watchdogTimerUnit, []),
    unitFile(c.certGuardServiceUnit, []),
    unitFile(c.certGuardTimerUnit, []),
    unitFile(c.backupServiceUnit, []),
    unitFile(c.backupTimerUnit, []),
    unitFile(c.applyConfigServiceUnit, []),
    unitFile(c.applyConfigTimerUnit, []),
  ];
}

/** bash that writes one host file (only when its content differs) and raises its flags. */
export function writeFileCommand(file: HostFile): string {
  const flags = file.flags.map((flag) => `if [ "$FILE_CHANGED" = 1 ]; then ${flag}=1; fi`);
  return [`put_file ${shellQuote(file.path)} ${file.mode} ${shellQuote(file.owner)} ${heredoc(file.content)}`, ...flags].join("\n");
}

/** Host tools, then the secrets (the refresh tool runs here, so its failure names this step). */
export function secretsStep(s: GatewaySettings, c: HostContract): string {
  return `step "host tools"
${toolFiles(s, c).map(writeFileCommand).join("\n")}

step "secrets from SSM Parameter Store"
SECRETS_BEFORE=$(cksum 2>/dev/null <${shellQuote(c.secretsFile)} || true)
${shellQuote(c.refreshSecretsTool)}
if [ "$(cksum <${shellQuote(c.secretsFile)})" != "$SECRETS_BEFORE" ]; then GATEWAY_RESTART=1; fi
`;
}

/**
 * openclaw.json: the same tool as every later convergence (openclaw-apply-config, modules/host/config-apply.ts)
 * fetches the artifacts bucket's object, checks its locked gateway fields and writes it; a changed
 * file restarts the gateway at the start step, as any other changed file does. Not in the host script:
 * a config-only change changes no launch template.
 */
export function gatewayConfigSection(c: HostContract): string {
  return `step "gateway configuration"
CONFIG_BEFORE=$(cksum 2>/dev/null <${shellQuote(c.configPath)} || true)
${shellQuote(c.applyConfigTool)} --boot
if [ "$(cksum <${shellQuote(c.configPath)})" != "$CONFIG_BEFORE" ]; then GATEWAY_RESTART=1; fi
`;
}

/** openclaw.json (gatewayConfigSection), Traefik's configuration and the systemd units. */
export function configStep(s: GatewaySettings, c: HostContract): string {
  const files = configFiles(s, c);
  const section = (title: string, pick: (f: HostFile) => boolean) =>
    `step ${shellQuote(title)}\n${files.filter(pick).map(writeFileCommand).join("\n")}\n`;
  return [
    gatewayConfigSection(c),
    section("Traefik configuration", (f) => f.path.startsWith(`${c.traefikConfigDir}/`)),
    section("systemd units", (f) => f.path.startsWith(`${c.unitDir}/`)),
  ].join("\n");
}

/**
 * Before Traefik's first start (its first certificate order): waits at most `dnsWaitSeconds` until
 * the domain resolves to this instance's public address (IMDSv2), then goes on either way
 * (openclaw-cert-guard asks again once DNS is right). Returns at the first poll when DNS is right.
 */
export function dnsWaitStep(s: GatewaySettings, c: HostContract): string {
  return `step "wait for DNS"
${renderDnsWait({
    domain: s.domainName,
    publicAddressCommand: imdsPublicAddressCommand(c.imdsBase),
    timeoutSeconds: s.dnsWaitSeconds,
    pollSeconds: Math.min(10, s.dnsWaitSeconds),
  })}`;
}

/** Enables and (re)starts the services and the watchdog, then waits for /healthz. */
export function startStep(c: HostContract): string {
  const { health } = WAITS;
  return `step "start services"
if [ "$UNITS_CHANGED" = 1 ]; then systemctl daemon-reload; fi
systemctl enable --quiet ${shellWords([c.secretsUnit, c.gatewayUnit, c.traefikUnit, c.watchdogTimerUnit])}
start_unit() {
  if [ "$2" = 1 ]; then systemctl restart "$1"; else systemctl start "$1"; fi
}
# A start (or restart) of the gateway opens the watchdog's start window (whole seconds of uptime, tmpfs).
if [ "$GATEWAY_RESTART" = 1 ] || ! systemctl is-active --quiet ${c.gatewayUnit}; then
  install -d -m 0700 ${c.watchdogStateDir}
  cut -d. -f1 /proc/uptime >${c.gatewayStartMark}
fi
start_unit ${c.gatewayUnit} "$GATEWAY_RESTART"
start_unit ${c.traefikUnit} "$TRAEFIK_RESTART"
# Armed now, not after the wait below: a gateway that never gets healthy is replaced, too.
systemctl start ${c.watchdogTimerUnit}
systemctl enable --now --quiet ${c.certGuardTimerUnit}
# Its first run is the next 02:30 UTC: starting the timer runs nothing now.
systemctl enable --now --quiet ${c.backupTimerUnit}
# openclaw.json from the artifacts bucket every few minutes (the first run one interval from now).
systemctl enable --now --quiet ${c.applyConfigTimerUnit}

step "wait for the gateway's /healthz"
${healthWaitLines({
    url: c.healthUrl,
    attempts: health.attempts,
    delay: health.delay,
    onTimeout: `log "the gateway did not answer /healthz after ${health.attempts} attempts"; false`,
    onHealthy: `log "the gateway answers on /healthz"`,
  }).join("\n")}
`;
}

/**
 * The SSM agent, on images without it (Debian): every day-2 operation goes through Run Command.
 * Early in the boot (right after the instance metadata), so a host whose boot fails later can still
 * be reached with Session Manager while it waits to be replaced. The version path is pinned
 * (modules/host/pins.ts), never latest/. AWS publishes no checksum file: with a pin (settings or
 * shipped) the package must match it; without one, HTTPS from AWS vouches for it (an http:// base
 * without a pin is refused at synth).
 */
export function ssmAgentStep(s: GatewaySettings): string {
  const agent = HOST_OS_PROFILES[s.hostOs].ssmAgent;
  if (!agent) return "";
  const arch = architectureOfSettings(s);
  const url = urlUnder(s.downloads.ssmAgentBaseUrl, agent.packagePath(arch, SHIPPED_PINS.ssmAgent.version));
  const pin = downloadPins(s, arch).ssmAgent;
  const check = pin ? `\n  verify "$DOWNLOADS/amazon-ssm-agent.deb" - ${shellQuote(pin)}` : "";
  return `step "SSM agent"
if command -v amazon-ssm-agent >/dev/null 2>&1; then
  log "the SSM agent is installed"
else
  DOWNLOADS=$(mktemp -d)
  fetch ${shellQuote(url)} "$DOWNLOADS/amazon-ssm-agent.deb"${check}
  ${agent.installPackageFile} "$DOWNLOADS/amazon-ssm-agent.deb"
  rm -rf "$DOWNLOADS"
  systemctl enable --now amazon-ssm-agent.service
  log "installed and started the SSM agent"
fi
`;
}

/** Completes the launch lifecycle action with CONTINUE: only after the gateway answered /healthz. */
export function launchCompleteStep(): string {
  return `step "launch complete"
complete_launch CONTINUE
`;
}

/** One summary line for the log. */
export function summaryStep(): string {
  return `step "done"
log "summary: instance $INSTANCE_ID, volume $VOLUME_ID ($DEVICE) at $DATA_MOUNT, address $PUBLIC_IP, node $NODE_VERSION, openclaw $OPENCLAW_VERSION, traefik $TRAEFIK_VERSION, https://$DOMAIN/ ready in \${SECONDS}s"
`;
}
