import { shellAssign, shellWords } from "./shell";

/**
 * The TLS certificate guard (`openclaw-cert-guard`) and the boot step that waits for DNS.
 *
 * Why: Traefik v3 asks ACME once per configuration change; when that fails (DNS not yet pointing
 * at the Elastic IP, a Let's Encrypt hiccup, a rate limit) it serves its self-signed default
 * certificate until something restarts it (traefik/traefik#9405). The guard looks at the
 * certificate actually served, and restarts Traefik only when a restart can help (DNS is right)
 * and only as often as Let's Encrypt's limits comfortably allow.
 *
 * Sources (read 2026-11-30):
 * - Traefik's default certificate: `const DefaultDomain = "TRAEFIK DEFAULT CERT"`, used as the
 *   subject CommonName of a self-signed certificate, traefik/traefik pkg/tls/generate/generate.go
 *   (tag v3.6.24).
 * - Traefik's renewal (v3.6.24, pkg/provider/acme/provider.go `getCertificateRenewDurations`):
 *   the renewal window comes from the configured `certificatesDuration` (hours, default 2160),
 *   not from the certificate: ≥ 90 days → renew 30 days before expiry, checked daily; ≥ 30 days →
 *   10 days, every 12 h; ≥ 6 days → 2 days, every 2 h; ≥ 1 day → 6 h, every 10 min. That is one
 *   third of the lifetime for 90- and 6-day certificates.
 * - Let's Encrypt rate limits, https://letsencrypt.org/docs/rate-limits/ (page "last updated
 *   June 12, 2025"): 5 authorization failures per identifier per account per hour; 300 new
 *   orders per account per 3 hours; 50 certificates per registered domain per 7 days; 5
 *   certificates per exact set of identifiers per 7 days.
 */

/** Default certificate subject of Traefik (pkg/tls/generate/generate.go, `DefaultDomain`). */
export const TRAEFIK_DEFAULT_CERT_CN = "TRAEFIK DEFAULT CERT";

/**
 * The guard's limits.
 * - Expiry: a certificate is EXPIRING when less than half of Traefik's own renewal window
 *   ({@link TRAEFIK_RENEWAL_WINDOWS}, looked up by the certificate's lifetime) is left: 15 days
 *   for 90-day, 5 days for 64- and 45-day, 1 day for 6-day (160-hour) certificates. So Traefik
 *   always gets the first half of its window (15 daily attempts for 90 days, 10 attempts 12 h
 *   apart for 64/45 days, 12 attempts 2 h apart for 6 days) and the guard the second half,
 *   with a day or more to spare. This holds when Traefik's `certificatesDuration` is at least
 *   the certificates' lifetime in hours (a larger setting only widens Traefik's window); a
 *   fixed fraction of the lifetime cannot: with `certificatesDuration` = 1536 (64 days) Traefik
 *   renews only 10 days (16 %) before expiry, so a "quarter of the lifetime left" guard would
 *   restart Traefik for days while Traefik rightly declines to renew.
 * - Restarts: at most one per `minRestartIntervalMinutes` (60) and `maxRestartsPerDay` (4) in
 *   any 24 hours. A restart makes Traefik place at most one order for the domain, so a failing
 *   validation costs at most 1 of the 5 authorization failures allowed per hour, and 4 of the
 *   300 orders per 3 hours a day. A successful issuance ends the restarts (the next check is
 *   OK), so the 5-per-week duplicate-certificate limit is reached only if issuance succeeds
 *   and the served certificate still looks wrong five times — the daily cap stops that loop
 *   and exits RATE_LIMITED, which needs a human.
 */
export interface CertGuardPolicy {
  /** Minimum minutes between two restarts of Traefik. @default 60 */
  minRestartIntervalMinutes: number;
  /** Most restarts in any 24 hours; reaching it reports RATE_LIMITED (a human must look). @default 4 */
  maxRestartsPerDay: number;
  /** EXPIRING when less than Traefik's renewal window / this is left. @default 2 */
  expiringDivisor: number;
  /** Bound in seconds on each outside call (TLS handshake, resolver, address lookup). @default 10 */
  stepTimeoutSeconds: number;
}

/**
 * Traefik's renewal windows, v3.6.24 pkg/provider/acme/provider.go `getCertificateRenewDurations`:
 * a certificate whose (configured) duration is at least `minLifetimeHours` is renewed once less
 * than `windowSeconds` is left, checked every `checkEverySeconds`. First match wins.
 */
export const TRAEFIK_RENEWAL_WINDOWS: ReadonlyArray<{ minLifetimeHours: number; windowSeconds: number; checkEverySeconds: number }> = [
  { minLifetimeHours: 365 * 24, windowSeconds: 120 * 86400, checkEverySeconds: 7 * 86400 },
  { minLifetimeHours: 90 * 24, windowSeconds: 30 * 86400, checkEverySeconds: 86400 },
  { minLifetimeHours: 30 * 24, windowSeconds: 10 * 86400, checkEverySeconds: 12 * 3600 },
  { minLifetimeHours: 6 * 24, windowSeconds: 2 * 86400, checkEverySeconds: 2 * 3600 },
  { minLifetimeHours: 24, windowSeconds: 6 * 3600, checkEverySeconds: 600 },
  { minLifetimeHours: 0, windowSeconds: 20 * 60, checkEverySeconds: 60 },
];

/** Bash function `renewal_window HOURS`: Traefik's renewal window in seconds for a lifetime in hours. */
function renewalWindowFunction(): string {
  const branches = TRAEFIK_RENEWAL_WINDOWS.map((w, i) =>
    w.minLifetimeHours === 0 ? `else echo ${w.windowSeconds}` : `${i === 0 ? "if" : "elif"} [ "$1" -ge ${w.minLifetimeHours} ]; then echo ${w.windowSeconds}`);
  return `# renewal_window HOURS: Traefik v3.6's renewal window (seconds) for a certificate lifetime in hours.
renewal_window() {
  ${branches.join("\n  ")}
  fi
}`;
}

/** The guard's default limits (see {@link CertGuardPolicy} for why). */
export const DEFAULT_CERT_GUARD_POLICY: Readonly<CertGuardPolicy> = {
  minRestartIntervalMinutes: 60,
  maxRestartsPerDay: 4,
  expiringDivisor: 2,
  stepTimeoutSeconds: 10,
};

/**
 * When the guard runs (systemd timer). Every 15 minutes: a check is one local TLS handshake and
 * one DNS lookup, so it costs nothing, and a default certificate is noticed within 15 minutes
 * once DNS is right; the restart interval (60 min), not the timer, paces the ACME attempts.
 * The first run waits 10 minutes after the timer starts (the boot script starts it with Traefik),
 * so Traefik's own first ACME attempt finishes first.
 */
export const CERT_GUARD_SCHEDULE = { onActiveSec: "10min", onUnitActiveSec: "15min" } as const;

/**
 * Exit codes of `openclaw-cert-guard`. 0: nothing to do, or it acted (or will act at the next
 * allowed time). Non-zero: something a restart cannot fix; a human (or the observability
 * alert) must look.
 */
export const CERT_GUARD_EXIT = {
  ok: 0,
  unreachable: 3,
  dnsNotReady: 4,
  rateLimited: 5,
  restartFailed: 6,
} as const;

/** Environment variable that sets the guard's clock (epoch seconds); tests use it instead of sleeping. */
export const CERT_GUARD_CLOCK_ENV = "OPENCLAW_CERT_GUARD_NOW";

/** Name of the guard's status file inside `stateDir`. */
export const CERT_GUARD_STATUS_FILE = "status.json";

/** The system resolver, IPv4 only: `getent ahostsv4 NAME` prints one "ADDRESS TYPE [NAME]" line per answer. */
export const SYSTEM_RESOLVER: readonly string[] = ["getent", "ahostsv4"];

/** What the guard and the DNS wait need to know about the host; every field is a plain value. */
export interface DnsCheckParams {
  /** The gateway's domain, as in Traefik's router rule and the certificate. */
  domain: string;
  /**
   * Bash command text that prints the instance's public IPv4 address (the Elastic IP), e.g.
   * {@link imdsPublicAddressCommand} on the host, or `echo "$PUBLIC_IP"` inside the boot script.
   * It runs inline in a subshell (it sees the script's variables) and must bound its own time.
   */
  publicAddressCommand: string;
  /** Command (argv prefix) run as `<resolveCommand> <domain>`, printing getent ahostsv4 lines. @default SYSTEM_RESOLVER */
  resolveCommand?: readonly string[];
}

/** Parameters of {@link renderCertGuard}. */
export interface CertGuardParams extends DnsCheckParams {
  /** Directory (0755; nothing secret in it) holding the restart history `restarts` and `status.json` (0644). */
  stateDir: string;
  /** systemd unit restarted to make Traefik ask ACME again, e.g. "traefik.service". */
  traefikUnit: string;
  /** Port Traefik serves TLS on. @default 443 */
  port?: number;
  /** Address the guard connects to. @default "127.0.0.1" */
  connectHost?: string;
  /** Prefix of every log line. @default "openclaw-cert-guard" */
  logTag?: string;
  /** Limits; missing fields take {@link DEFAULT_CERT_GUARD_POLICY}. */
  policy?: Partial<CertGuardPolicy>;
  /**
   * What the host does with a certificate that is not OK (DEFAULT_CERT, EXPIRING, UNREACHABLE): bash
   * `functions` defined at the top and a `command` every such run makes before it exits (it must
   * bound its time and never fail, e.g. publishing a CloudWatch data point). @default none
   */
  alert?: { functions: string; command: string };
}

/** Parameters of {@link renderDnsWait}. */
export interface DnsWaitParams extends DnsCheckParams {
  /** Longest wait in seconds before the boot goes on without DNS. @default 600 */
  timeoutSeconds?: number;
  /** Seconds between two lookups. @default 10 */
  pollSeconds?: number;
  /** Prefix of every log line. @default "openclaw-boot" */
  logTag?: string;
}

/**
 * Bash command text that prints the instance's public IPv4 from IMDSv2 (`imdsBase` is e.g.
 * "http://169.254.169.254/latest"), every request bounded by `--max-time`.
 */
export function imdsPublicAddressCommand(imdsBase: string): string {
  const base = imdsBase.replace(/\/+$/, "");
  return `t=$(curl -fsS --max-time 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' '${base}/api/token') && curl -fsS --max-time 3 -H "X-aws-ec2-metadata-token: $t" '${base}/meta-data/public-ipv4'`;
}

/** Throws unless `value` is a positive integer (the rendered bash does integer arithmetic on it). */
function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/** Bash functions shared by the guard and the DNS wait: `public_address` and `resolved_addresses`. */
function dnsFunctions(p: DnsCheckParams, timeoutSeconds: number): string {
  return `resolver=(${shellWords(p.resolveCommand ?? SYSTEM_RESOLVER)})

# public_address: the instance's public IPv4 (empty when unknown).
public_address() { (${p.publicAddressCommand}) 2>/dev/null | head -n 1 | tr -d '[:space:]' || true; }

# resolved_addresses NAME: the distinct IPv4 addresses NAME resolves to, comma-separated (empty: none).
resolved_addresses() { timeout ${timeoutSeconds} "\${resolver[@]}" "$1" 2>/dev/null | awk '{ print $1 }' | sort -u | paste -sd, - || true; }
`;
}

/**
 * `openclaw-cert-guard`: one check of the certificate Traefik serves for the domain, run by a
 * systemd timer ({@link CERT_GUARD_SCHEDULE}). It decides OK | DEFAULT_CERT (Traefik's
 * self-signed "TRAEFIK DEFAULT CERT") | EXPIRING ({@link CertGuardPolicy}) | UNREACHABLE
 * (no TLS answer on the port). On DEFAULT_CERT or EXPIRING it restarts Traefik only when the
 * domain resolves to exactly the instance's public address (else DNS_NOT_READY: a restart
 * cannot help), and only within the restart limits (else RATE_LIMITED). Every run logs one line
 * `<logTag>: <STATE> key=value...` and writes `<stateDir>/status.json` (state, cert, action,
 * issuer, subject, notBefore, notAfter, daysLeft, lastRestart, restartsToday, checkedAt).
 * Exit codes: {@link CERT_GUARD_EXIT}. The clock can be set with {@link CERT_GUARD_CLOCK_ENV}.
 */
export function renderCertGuard(params: CertGuardParams): string {
  const policy = { ...DEFAULT_CERT_GUARD_POLICY, ...params.policy };
  for (const [name, value] of Object.entries({ ...policy, port: params.port ?? 443 })) requirePositiveInteger(`cert guard ${name}`, value);
  const tag = params.logTag ?? "openclaw-cert-guard";
  return `#!/bin/bash
# ${tag}: restarts Traefik when it serves its default certificate or one close to expiry,
# only while DNS points at this instance, and at most ${policy.maxRestartsPerDay} times in 24 h (one per ${policy.minRestartIntervalMinutes} min).
# Status: one log line per run and the JSON file below. Exit 0: OK or acted; non-zero: a human must look.
set -euo pipefail
umask 077
${shellAssign("TAG", tag)}
${shellAssign("DOMAIN", params.domain)}
${shellAssign("CONNECT", `${params.connectHost ?? "127.0.0.1"}:${params.port ?? 443}`)}
${shellAssign("STATE_DIR", params.stateDir)}
${shellAssign("TRAEFIK_UNIT", params.traefikUnit)}
${shellAssign("DEFAULT_CN", TRAEFIK_DEFAULT_CERT_CN)}
MIN_INTERVAL=${policy.minRestartIntervalMinutes * 60}
MAX_PER_DAY=${policy.maxRestartsPerDay}
EXPIRING_DIVISOR=${policy.expiringDivisor}
STEP_TIMEOUT=${policy.stepTimeoutSeconds}
NOW=\${${CERT_GUARD_CLOCK_ENV}:-$(date +%s)}
HISTORY="$STATE_DIR/restarts"
STATUS="$STATE_DIR/${CERT_GUARD_STATUS_FILE}"
${dnsFunctions(params, policy.stepTimeoutSeconds)}${params.alert ? `${params.alert.functions}\n` : ""}
mkdir -p "$STATE_DIR"
chmod 755 "$STATE_DIR"
touch "$HISTORY"

${renewalWindowFunction()}
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
json_string() { local s=\${1//\\\\/\\\\\\\\}; s=\${s//\\"/\\\\\\"}; printf '"%s"' "$s"; }
json_or_null() { if [ -n "$1" ]; then json_string "$1"; else printf 'null'; fi; }
# restarts_today: restarts in the 24 hours before NOW.
restarts_today() { awk -v since=$((NOW - 86400)) '$1 > since { n++ } END { print n + 0 }' "$HISTORY"; }
last_restart() { tail -n 1 "$HISTORY"; }

CERT=UNREACHABLE ACTION=none ISSUER="" SUBJECT="" NOT_BEFORE="" NOT_AFTER="" DAYS_LEFT=""

# report STATE EXIT DETAIL: the one log line, the status file, the exit code.
report() {
  local state=$1 code=$2 detail=$3 last tmp
${params.alert ? `  if [ "$CERT" != OK ]; then ${params.alert.command}; fi\n` : ""}  last=$(last_restart)
  echo "$TAG: $state cert=$CERT action=$ACTION domain=$DOMAIN days_left=\${DAYS_LEFT:-unknown} restarts_today=$(restarts_today) $detail"
  tmp=$(mktemp "$STATUS.XXXXXX")
  {
    printf '{"state":%s,"cert":%s,"action":%s,"domain":%s,' "$(json_string "$state")" "$(json_string "$CERT")" "$(json_string "$ACTION")" "$(json_string "$DOMAIN")"
    printf '"issuer":%s,"subject":%s,"notBefore":%s,"notAfter":%s,' "$(json_or_null "$ISSUER")" "$(json_or_null "$SUBJECT")" "$(json_or_null "$NOT_BEFORE")" "$(json_or_null "$NOT_AFTER")"
    printf '"daysLeft":%s,"lastRestart":%s,"restartsToday":%s,"checkedAt":%s,"detail":%s}\\n' "\${DAYS_LEFT:-null}" "$(json_or_null "\${last:+$(iso "$last")}")" "$(restarts_today)" "$(json_string "$(iso "$NOW")")" "$(json_string "$detail")"
  } >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$STATUS"
  exit "$code"
}

# The leaf certificate served for DOMAIN (SNI), bounded in time; empty when nothing answers.
PEM=$(timeout "$STEP_TIMEOUT" openssl s_client -connect "$CONNECT" -servername "$DOMAIN" </dev/null 2>/dev/null \\
  | sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' || true)
if [ -z "$PEM" ]; then
  report UNREACHABLE ${CERT_GUARD_EXIT.unreachable} "reason=no-tls-answer-on-$CONNECT"
fi

name_of() { openssl x509 -noout "$1" -nameopt RFC2253 <<<"$PEM" | sed 's/^[a-z]*=//'; }
date_of() { openssl x509 -noout "$1" <<<"$PEM" | cut -d= -f2-; }
SUBJECT=$(name_of -subject)
ISSUER=$(name_of -issuer)
nb=$(date -u -d "$(date_of -startdate)" +%s)
na=$(date -u -d "$(date_of -enddate)" +%s)
NOT_BEFORE=$(iso "$nb")
NOT_AFTER=$(iso "$na")
left=$((na - NOW))
DAYS_LEFT=$(awk -v s="$left" 'BEGIN { printf "%.2f", s / 86400 }')
# Lifetime rounded to the hour (Let's Encrypt's notAfter is notBefore + lifetime - 1 s).
threshold=$(($(renewal_window $(((na - nb + 1800) / 3600))) / EXPIRING_DIVISOR))

if [ "$SUBJECT" = "CN=$DEFAULT_CN" ]; then
  CERT=DEFAULT_CERT
elif [ "$left" -lt "$threshold" ]; then
  CERT=EXPIRING
else
  CERT=OK
  report OK ${CERT_GUARD_EXIT.ok} "issuer=$ISSUER"
fi

# A restart makes Traefik ask ACME again; that can only succeed when DNS points here.
expected=$(public_address)
resolved=$(resolved_addresses "$DOMAIN")
if [ -z "$expected" ] || [ "$resolved" != "$expected" ]; then
  report DNS_NOT_READY ${CERT_GUARD_EXIT.dnsNotReady} "resolved=\${resolved:-none} expected=\${expected:-unknown}"
fi

last=$(last_restart)
if [ "$(restarts_today)" -ge "$MAX_PER_DAY" ]; then
  ACTION=none
  report RATE_LIMITED ${CERT_GUARD_EXIT.rateLimited} "max=$MAX_PER_DAY-restarts-per-24h"
fi
if [ -n "$last" ] && [ $((NOW - last)) -lt "$MIN_INTERVAL" ]; then
  ACTION=deferred
  report "$CERT" ${CERT_GUARD_EXIT.ok} "next_restart_after=$(iso $((last + MIN_INTERVAL)))"
fi

# Record the attempt first: a restart that fails still counts against the limits.
awk -v since=$((NOW - 86400)) '$1 > since' "$HISTORY" >"$HISTORY.next"
echo "$NOW" >>"$HISTORY.next"
mv -f "$HISTORY.next" "$HISTORY"
if ! timeout 60 systemctl restart "$TRAEFIK_UNIT"; then
  ACTION=restart_failed
  report RESTART_FAILED ${CERT_GUARD_EXIT.restartFailed} "unit=$TRAEFIK_UNIT"
fi
ACTION=restarted
report "$CERT" ${CERT_GUARD_EXIT.ok} "unit=$TRAEFIK_UNIT"
`;
}

/**
 * Boot step (bash text for the boot script) that waits until the domain resolves to exactly the
 * instance's public address, before Traefik's first certificate request: at most
 * `timeoutSeconds` (default 600), one lookup every `pollSeconds` (default 10), logging each
 * poll. On timeout it logs a loud `DNS NOT READY` line and CONTINUES (status 0): the gateway
 * must still start, and `openclaw-cert-guard` asks for the certificate again once DNS is right.
 * Defines and calls the bash function `wait_for_dns`; needs only bash, coreutils and the resolver.
 */
export function renderDnsWait(params: DnsWaitParams): string {
  const timeoutSeconds = params.timeoutSeconds ?? 600;
  const pollSeconds = params.pollSeconds ?? 10;
  requirePositiveInteger("DNS wait timeoutSeconds", timeoutSeconds);
  if (!(pollSeconds > 0 && pollSeconds <= timeoutSeconds)) throw new Error(`DNS wait pollSeconds must be > 0 and <= timeoutSeconds, got ${pollSeconds}`);
  const tag = params.logTag ?? "openclaw-boot";
  return `# wait_for_dns: until ${params.domain} resolves to this instance's public address, at most ${timeoutSeconds} s;
# on timeout it logs loudly and returns 0 (the gateway still starts; openclaw-cert-guard retries the certificate).
wait_for_dns() {
  local domain expected resolved deadline polls=0 resolver
  ${shellAssign("domain", params.domain)}
  ${dnsFunctions(params, DEFAULT_CERT_GUARD_POLICY.stepTimeoutSeconds).trim().split("\n").map((line) => (line ? `  ${line}` : "")).join("\n").trimStart()}
  deadline=$(($(date +%s) + ${timeoutSeconds}))
  while :; do
    polls=$((polls + 1))
    expected=$(public_address)
    resolved=$(resolved_addresses "$domain")
    if [ -n "$expected" ] && [ "$resolved" = "$expected" ]; then
      echo "${tag}: DNS ready: $domain resolves to $expected (poll $polls)" >&2
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "${tag}: DNS NOT READY after ${timeoutSeconds} s: $domain resolves to \${resolved:-nothing}, this instance is \${expected:-unknown}; continuing without a certificate (openclaw-cert-guard retries once DNS is right)" >&2
      return 0
    fi
    echo "${tag}: waiting for DNS: $domain resolves to \${resolved:-nothing}, want \${expected:-unknown} (poll $polls)" >&2
    sleep ${pollSeconds}
  done
}
wait_for_dns
`;
}
