import { shellQuote } from "./shell";

/**
 * Shell pieces shared by the boot script and the host tools (bash) and the SSM documents (POSIX
 * `sh`): written in POSIX sh, rendered from here only.
 */

/**
 * `retry ATTEMPTS DELAY COMMAND...`: runs COMMAND until it succeeds, at most ATTEMPTS times,
 * DELAY seconds apart; then logs through the caller's `log` and returns 1. No `local` (POSIX).
 */
export const RETRY_FUNCTION = `# retry ATTEMPTS DELAY COMMAND...: runs COMMAND until it succeeds, at most ATTEMPTS times.
retry() {
  retry_attempts=$1 retry_delay=$2 retry_n=1
  shift 2
  until "$@"; do
    if [ "$retry_n" -ge "$retry_attempts" ]; then
      log "giving up after $retry_n attempts: $1"
      return 1
    fi
    retry_n=$((retry_n + 1))
    sleep "$retry_delay"
  done
}`;

/**
 * Global options that bound every AWS CLI call the host makes: a stalled connection or answer ends
 * the call (the CLI's defaults are 60 s each, per attempt). Placed after the operation's name.
 */
export const AWS_CLI_BOUNDS = "--cli-connect-timeout 10 --cli-read-timeout 30";

/** curl options that bound one request to the link-local metadata service (it answers in milliseconds). */
const IMDS_CURL_BOUNDS = "--connect-timeout 2 --max-time 10";

/**
 * A command that fetches an IMDSv2 session token valid `ttlSeconds` (IMDS must hold the base URL).
 * Retries while the metadata service is not answering yet (early boot).
 */
export const imdsTokenCommand = (ttlSeconds: number): string =>
  `curl -fsS ${IMDS_CURL_BOUNDS} --retry 10 --retry-connrefused --retry-delay 1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: ${ttlSeconds}' "$IMDS/api/token"`;

/** `imds PATH`: one instance metadata value (IMDS and IMDS_TOKEN must be set). */
export const IMDS_FUNCTION =
  `imds() { curl -fsS ${IMDS_CURL_BOUNDS} --retry 5 --retry-connrefused -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" "$IMDS/meta-data/$1"; }`;

/**
 * What openclaw 2026.9.6 itself accepts as a live gateway (isGatewayHealthzResponse in its dist):
 * status 200 and the JSON body {"ok":true,"status":"live"}. A 200 alone proves nothing: the
 * Control UI answers unknown paths with 200. A jq filter for `jq -n`: `input` fails on an empty
 * body, where jq 1.6 (Debian 12) would exit 0 from a plain `jq -e`.
 */
export const HEALTHZ_BODY_CHECK = 'input | .ok == true and .status == "live"';

/**
 * One GET of the gateway's /healthz (never /readyz: it answers 403 through proxies) whose body must
 * be openclaw's liveness answer; `url` is a shell word. POSIX: jq fails on an empty input, so a
 * failed curl fails the pipe without pipefail.
 */
export const healthCheckCommand = (url: string, maxTimeSeconds: number): string =>
  `curl -fsS --max-time ${maxTimeSeconds} ${url} 2>/dev/null | jq -ne ${shellQuote(HEALTHZ_BODY_CHECK)} >/dev/null 2>&1`;

/** A bounded wait for the gateway's /healthz. */
export interface HealthWait {
  /** The health URL. */
  url: string;
  /** GETs before giving up. */
  attempts: number;
  /** Seconds between them. */
  delay: number;
  /** Command run when it never answered; must stop the caller (`exit 1`, or `false` under errexit). */
  onTimeout: string;
  /** Command run once it answers. */
  onHealthy: string;
}

/**
 * How long a boot waits for the gateway's first 200 on /healthz (openclaw starts in seconds natively;
 * 240 s was seen under TCG emulation, and a start that exits on openclaw's 5 s lease-heartbeat cap
 * starts again) before it abandons the launch. The watchdog counts no failure
 * while a run the boot or an operator started is younger than this: the start window is the boot's.
 */
export const BOOT_HEALTH_WAIT = { attempts: 120, delay: 5 } as const;

/** Seconds of BOOT_HEALTH_WAIT: the watchdog's start grace. */
export const START_GRACE_SECONDS = BOOT_HEALTH_WAIT.attempts * BOOT_HEALTH_WAIT.delay;

/** POSIX sh lines that wait for the gateway's /healthz (the boot script and the SSM documents). */
export function healthWaitLines(w: HealthWait): string[] {
  return [
    `i=0`,
    `until ${healthCheckCommand(shellQuote(w.url), 5)}; do`,
    `  i=$((i + 1))`,
    `  if [ "$i" -ge ${w.attempts} ]; then ${w.onTimeout}; fi`,
    `  sleep ${w.delay}`,
    `done`,
    w.onHealthy,
  ];
}

/**
 * bash: `retry DESCRIPTION COMMAND...`, bounded retries with growing pauses (3 s, 6 s, …) and a loud
 * failure after $ATTEMPTS; the caller defines ATTEMPTS and `log`. Shared by the host tools that call AWS.
 */
export const DESCRIBED_RETRY_FUNCTION = `# retry DESCRIPTION COMMAND...: bounded retries with growing pauses, then a loud failure.
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
}`;
