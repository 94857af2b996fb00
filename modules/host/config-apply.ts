import type { GatewaySettings } from "../settings/settings";
import { LOCKED_PATHS } from "../openclaw/overlay";
import type { HostContract } from "./contract";
import { CHANNEL_PLUGIN_PACKAGES } from "../openclaw/channels";
import { adminRunOptions, openclawCommand, openclawConfig, SECRETS_PROVIDER } from "./layout";
import { openclawConfigLocation, shippedChannelPluginPin } from "./pins";
import { AWS_CLI_BOUNDS, DESCRIBED_RETRY_FUNCTION } from "./posix";
import { shellAssign, shellWords } from "./shell";

/** How often a host tool tries an AWS call before it fails loudly (as openclaw-refresh-secrets). */
const ATTEMPTS = 5;

/**
 * When `openclaw-apply-config.timer` runs the tool: 2 minutes after the timer starts (the boot has
 * just applied the config), then every 2 minutes, each run up to 20 s later (RandomizedDelaySec), so
 * a deploy's config reaches the host within about 2 min 20 s, or at once with `npm run config`.
 */
export const CONFIG_APPLY_SCHEDULE = { onActiveSec: "2min", onUnitActiveSec: "2min", randomizedDelaySec: "20s" } as const;

/** Exit status of a refused config object (sysexits EX_DATAERR): the service fails, `systemctl --failed` shows it. */
export const CONFIG_REFUSED_STATUS = 65;

/**
 * How long one external channel plugin's install may take (openclaw's own npm install of the plugin, then its
 * inspection): natively 27–34 s each on this project's 2-core machine (2026-12-03, the 4–17 MB tarballs from the
 * registry); 600 s bounds a stalled download (systemd's RuntimeMaxSec= ends the transient unit).
 */
export const CHANNEL_PLUGIN_INSTALL_SECONDS = 600;
/** The most one apply-config run spends on plugin installs: every external channel plugin at its bound (its unit's and SSM document's timeouts add it). */
export const CHANNEL_PLUGINS_INSTALL_BOUND_SECONDS = Object.keys(CHANNEL_PLUGIN_PACKAGES).length * CHANNEL_PLUGIN_INSTALL_SECONDS;

/**
 * What the host checks for each external channel plugin (modules/openclaw/channels.ts CHANNEL_PLUGIN_PACKAGES), by
 * channel id: its npm package, the version openclaw installs (its own) and the tarball's shipped sha512 (pins.ts).
 * Independent of the overlay: every plugin with a pin is listed, the fetched config decides which are checked.
 */
export function channelPluginPins(s: GatewaySettings): Record<string, { package: string; version: string; integrity: string }> {
  return Object.fromEntries(Object.entries(CHANNEL_PLUGIN_PACKAGES).flatMap(([id, pkg]) => {
    const integrity = shippedChannelPluginPin(s.versions.openclaw, pkg!);
    return integrity === undefined ? [] : [[id, { package: pkg!, version: s.versions.openclaw, integrity }]];
  }));
}

/**
 * The fields of openclaw.json the host checks in every fetched object before it writes it: the
 * gateway's locked paths (modules/openclaw/overlay.ts LOCKED_PATHS, those under `gateway.` without a
 * wildcard: mode, bind, port, auth mode and token SecretRef, trusted proxies, public origin, allowed
 * origins, TLS, Tailscale …) and the secrets provider the SecretRefs go through. A tampered or
 * mismatched object (another environment's, another domain's) must not open the gateway: the host
 * refuses it and keeps the file it has. They depend only on the domain and the port, never on the
 * `openclaw` overlay, `model` or `toolPolicy`: so the tool (in the host script) does not change when the config does.
 */
export function lockedConfigPaths(): string[][] {
  const gateway = LOCKED_PATHS.map((lock) => lock.path).filter((path) => path.startsWith("gateway.") && !path.includes("*"));
  return [...gateway.map((path) => path.split(".")), ["secrets", "providers", SECRETS_PROVIDER]];
}

/** The values of the locked fields this host expects, in lockedConfigPaths' order (null: absent). */
export function expectedLockedValues(s: Pick<GatewaySettings, "domainName">, port: number): unknown[] {
  // The domain alone: whatever else the settings hold cannot move these fields (the overlay check refuses them).
  const config = openclawConfig({ domainName: s.domainName }, port) as Record<string, unknown>;
  const at = (path: string[]): unknown => path.reduce<unknown>((value, key) =>
    (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined), config);
  return lockedConfigPaths().map((path) => at(path) ?? null);
}

/**
 * How openclaw 2026.9.6 applies a change under a config path, by longest matching prefix; a path no
 * rule matches needs a restart (openclaw's own default). From the gateway's reload planner as its docs
 * describe it (docs/gateway/configuration/hot-reload.md of the pinned release, "What hot-applies vs what
 * needs a restart"). `hot`: the running gateway's file watcher applies it (it may restart the owning
 * subsystem, such as a channel); `restart`: only a new gateway process applies it, and the tool
 * restarts the unit. Locked paths are refused before this matters.
 */
export const RELOAD_RULES: ReadonlyArray<{ readonly path: string; readonly reload: "hot" | "restart" }> = [
  ...[
    "agents", "models", "auth", "broadcast", "worktreeRoot", "worktreeAcceleration", "hooks", "cron", "session", "messages",
    "tools", "skills", "mcp", "audio", "talk", "tts", "memory", "attachments", "plugins", "ui", "logging", "identity", "bindings",
    "surfaces", "approvals", "security", "diagnostics", "acp", "update", "telemetry", "channels", "web", "commands", "accessGroups",
    "transcripts", "desktop", "cloudWorkers", "discovery.mdns.mode",
    "browser.profiles", "browser.defaultProfile", "browser.headless", "browser.executablePath", "browser.attachOnly", "browser.cdpUrl",
    "browser.noSandbox", "browser.extraArgs", "browser.snapshotDefaults", "browser.tabCleanup", "browser.allowSystemProfileImport",
    "browser.enabled", "browser.evaluateEnabled", "browser.ssrfPolicy", "browser.extensionRelay.allowLegacyAuth",
    "gateway.reload", "gateway.remote", "gateway.tools", "gateway.nodes.browser", "gateway.nodes.pairing", "gateway.nodes.commands",
    "gateway.nodes.pluginTools.enabled", "gateway.nodes.allowSkills", "gateway.http.endpoints", "gateway.http.securityHeaders.strictTransportSecurity",
    "gateway.cliAgents", "gateway.push.apns.relay", "gateway.terminal", "gateway.roles", "gateway.allowRealIpFallback",
    "gateway.auth.rateLimit", "gateway.auth.identityScopes", "gateway.auth.trustedProxy", "gateway.auth.allowTailscale",
    ...["enabled", "environment", "github", "sessionObserver", "embedSandbox", "allowExternalEmbedUrls", "experimental.customPlugins",
      "automaticallyFetchFavicons"].map((key) => `gateway.controlUi.${key}`),
    "mcp.apps.sandboxOrigin",
  ].map((path) => ({ path, reload: "hot" as const })),
  // "MCP Apps listener settings", `secrets.egressProxy`: restart (and every path no rule names).
  { path: "mcp.apps", reload: "restart" },
  { path: "secrets.egressProxy", reload: "restart" },
];

/**
 * jq (run with `-n`, `--slurpfile old`, `--slurpfile new`, `--argjson rules`): the changed config
 * paths (leaves: scalars and empty objects/arrays, of either file; dotted) whose longest matching
 * rule is `restart`, or that no rule matches, one per line. No old file (`$old` empty): none.
 */
export const RESTART_PATHS_JQ = `def leaves: [paths(if type == "object" or type == "array" then length == 0 else true end)];
def at($p): try getpath($p) catch "(replaced)";
def kind($p): [$rules[] | select((.path | length) <= ($p | length) and $p[:(.path | length)] == .path)] | max_by(.path | length) | .reload // "restart";
if ($old | length) == 0 then empty else
  ($old[0]) as $o | ($new[0]) as $n
  | (($o | leaves) + ($n | leaves)) | unique[]
  | . as $p | select(($o | at($p)) != ($n | at($p)))
  | select(kind(.) == "restart")
  | map(tostring) | join(".")
end`;

/**
 * `openclaw-apply-config [--boot]`: openclaw.json from the artifacts bucket (openclawConfigLocation)
 * into configPath. The one code path for the boot's "gateway configuration" step and for every later
 * convergence (openclaw-apply-config.timer, `npm run config`). It fetches the object with bounded,
 * retried calls; refuses (exit CONFIG_REFUSED_STATUS, the file left as it is) an object that is not a
 * JSON object or whose locked gateway fields are not what this host expects; has the service user write
 * a changed file atomically (systemd-run: a temporary file beside it, 0600, then rename) and then: the
 * gateway's own file watcher applies what openclaw hot-reloads; when a changed path needs a restart
 * (RELOAD_RULES) it restarts the gateway unit (not with --boot: the boot's start step starts it).
 * External channel plugins (Slack, Discord: `channelPluginPins`) that a changed object, or at boot the object, enables
 * are installed first, by openclaw itself from npm (the only install it trusts) with the CLI reading the fetched
 * object, and each must then be loaded, `trusted-official` from npm, at openclaw's version, with the shipped sha512
 * of its tarball; otherwise the object is refused and a mismatched install removed.
 * One line to the journal per run: unchanged / applied (hot) / applied (restart) / applied (gateway not
 * running) / refused (why), after one line per checked plugin.
 */
export function applyConfigTool(s: GatewaySettings, c: HostContract): string {
  const at = openclawConfigLocation(s);
  const rules = RELOAD_RULES.map((rule) => ({ path: rule.path.split("."), reload: rule.reload }));
  // The CLI that installs and inspects a plugin reads the fetched object, written beside openclaw.json by its owner.
  const candidate = `${c.configPath}.candidate`;
  const inspect = [
    "systemd-run", ...adminRunOptions(c, { OPENCLAW_CONFIG_PATH: candidate }, [`RuntimeMaxSec=${CHANNEL_PLUGIN_INSTALL_SECONDS}`]),
    "--", ...openclawCommand(c, ["plugins", "inspect"]),
  ];
  return `#!/bin/bash
# openclaw-apply-config: s3://${at.bucket}/${at.key} -> ${c.configPath}, checked, then applied.
# Usage: openclaw-apply-config [--boot]   (--boot: never restart the gateway; the boot starts it)
set -euo pipefail
umask 077
${shellAssign("BUCKET", at.bucket)}
${shellAssign("KEY", at.key)}
${shellAssign("CONFIG", c.configPath)}
${shellAssign("OWNER", c.serviceUser)}
${shellAssign("GATEWAY_UNIT", c.gatewayUnit)}
${shellAssign("ATTEMPTS", ATTEMPTS)}
${shellAssign("REGION", s.region)}
# The locked gateway fields and the values this host expects (modules/host/config-apply.ts); JSON, not
# expanded (the secrets provider's path is openclaw's own \${CREDENTIALS_DIRECTORY}).
${shellAssign("LOCKED_PATHS", JSON.stringify(lockedConfigPaths()))}
# shellcheck disable=SC2016
${shellAssign("EXPECTED", JSON.stringify(expectedLockedValues(s, c.gatewayPort)))}
# How openclaw applies a change under a path (longest prefix; no match: restart).
${shellAssign("RELOAD_RULES", JSON.stringify(rules))}
# The external channel plugins and what their install must be (modules/host/config-apply.ts channelPluginPins).
${shellAssign("PLUGIN_PINS", JSON.stringify(channelPluginPins(s)))}
${shellAssign("CANDIDATE", candidate)}
${shellAssign("PLUGIN_PROJECTS", `${c.stateDir}/npm/projects/`)}
export AWS_DEFAULT_REGION="\${AWS_DEFAULT_REGION:-$REGION}" AWS_PAGER=""

boot=false
for arg in "$@"; do
  case "$arg" in
    --boot) boot=true ;;
    *) echo "usage: openclaw-apply-config [--boot]" >&2; exit 64 ;;
  esac
done
log() { echo "openclaw-apply-config: $*" >&2; }

${DESCRIBED_RETRY_FUNCTION}

# Scratch files in the temporary directory (the unit's private /tmp): nothing in them is secret.
fetched=$(mktemp)
old=""
inspected=""
trap 'rm -f "$fetched" \${old:+"$old"} \${inspected:+"$inspected" "$inspected.err"}' EXIT
fetch() { aws s3api get-object ${AWS_CLI_BOUNDS} --bucket "$BUCKET" --key "$KEY" "$fetched" >/dev/null; }
retry "fetching s3://$BUCKET/$KEY" fetch

if ! jq -e 'type == "object"' "$fetched" >/dev/null 2>&1; then
  log "refused: s3://$BUCKET/$KEY is not a JSON object; $CONFIG is left as it is"
  exit ${CONFIG_REFUSED_STATUS}
fi
got=$(jq -c --argjson paths "$LOCKED_PATHS" '[$paths[] as $p | getpath($p)]' "$fetched")
if [ "$got" != "$(jq -c -n --argjson v "$EXPECTED" '$v')" ]; then
  which=$(jq -r -n --argjson paths "$LOCKED_PATHS" --argjson got "$got" --argjson want "$EXPECTED" \\
    '[range(0; $paths | length) | select($got[.] != $want[.]) | $paths[.] | join(".")] | join(", ")')
  log "refused: s3://$BUCKET/$KEY sets locked gateway fields to other values than this host's ($which); $CONFIG is left as it is"
  exit ${CONFIG_REFUSED_STATUS}
fi
unchanged=false
if [ -f "$CONFIG" ] && cmp -s "$fetched" "$CONFIG"; then unchanged=true; fi

# Writes stdin to the file $1 as the service user, in a transient unit (as openclaw-admin runs the CLI): a temporary
# file beside it (the same file system), 0600 by the umask, renamed over it. This unit needs no capability to write
# into that user's 0700 directory or to give it the file. The sh -c script expands its own $0 and $next.
write_as_owner() {
  # shellcheck disable=SC2016
  systemd-run --quiet --pipe --wait --collect --service-type=exec --uid="$OWNER" --gid="$OWNER" --property=UMask=0077 \
    --setenv=PATH=/usr/bin:/bin -- /bin/sh -c 'set -e; next=$(mktemp "$0.XXXXXX"); cat >"$next"; mv -f "$next" "$0"' "$1"
}
remove_as_owner() {
  systemd-run --quiet --pipe --wait --collect --service-type=exec --uid="$OWNER" --gid="$OWNER" --setenv=PATH=/usr/bin:/bin -- /bin/rm -rf -- "$@"
}

# The external channel plugins the object enables (channels.<id> an object without enabled: false), checked when it
# changes and at every boot (a new openclaw version comes with a new launch template, so a boot).
plugins=$(jq -r --argjson pins "$PLUGIN_PINS" \
  '(.channels // {}) | to_entries[] | select((.value | type) == "object" and .value.enabled != false and $pins[.key] != null) | .key' "$fetched")
if [ -n "$plugins" ] && { [ "$unchanged" = false ] || [ "$boot" = true ]; }; then
  write_as_owner "$CANDIDATE" <"$fetched"
  inspected=$(mktemp)
  for id in $plugins; do
    pkg=$(jq -r --arg id "$id" '.[$id].package' <<<"$PLUGIN_PINS")
    want=$(jq -r --arg id "$id" '.[$id].version + " " + .[$id].integrity' <<<"$PLUGIN_PINS")
    # openclaw installs a configured plugin that is missing at the CLI's start (from npm, at its own version), then reports it.
    if ! ${shellWords(inspect)} "$id" --json >"$inspected" 2>"$inspected.err"; then
      tail -n 5 "$inspected.err" >&2 || true
      remove_as_owner "$CANDIDATE"
      log "refused: openclaw could not install or load the $id channel's plugin $pkg (above); $CONFIG is left as it is"
      exit ${CONFIG_REFUSED_STATUS}
    fi
    facts=$(jq -r '[.plugin.status, .plugin.trust.reason, .plugin.trust.installSource, .plugin.packageName, .plugin.rootDir] | map(. // "none") | join(" ")' "$inspected")
    read -r status trust source name root <<<"$facts"
    project=\${root%/node_modules/"$pkg"}
    got=$(jq -r --arg p "node_modules/$pkg" '(.packages[$p].version // "none") + " " + (.packages[$p].integrity // "none")' "$project/package-lock.json" 2>/dev/null || echo "none none")
    if [ "$status $trust $source $name" != "loaded trusted-official npm $pkg" ] || [ "$got" != "$want" ]; then
      # Never leave a plugin the host did not verify where the gateway would load it.
      case "$project" in "$PLUGIN_PROJECTS"?*) if [ "$project" != "$root" ]; then remove_as_owner "$project"; fi ;; esac
      remove_as_owner "$CANDIDATE"
      log "refused: the $id channel's plugin is $name ($status, $trust from $source), tarball $got; this host wants $pkg $want, loaded and trusted-official from npm; $CONFIG is left as it is"
      exit ${CONFIG_REFUSED_STATUS}
    fi
    log "channel plugin $id: $pkg@\${want%% *} from npm, trusted-official, tarball sha512 as pinned"
  done
  remove_as_owner "$CANDIDATE"
fi

if [ "$unchanged" = true ]; then
  log "unchanged: $CONFIG is s3://$BUCKET/$KEY"
  exit 0
fi

# The changed paths only a restart applies (none when there is no file yet).
old=$(mktemp)
if [ -f "$CONFIG" ] && jq -e . "$CONFIG" >/dev/null 2>&1; then cp "$CONFIG" "$old"; fi
restart_paths=$(jq -r -n --slurpfile old "$old" --slurpfile new "$fetched" --argjson rules "$RELOAD_RULES" '${RESTART_PATHS_JQ}' | paste -sd, -)
rm -f "$old"

write_as_owner "$CONFIG" <"$fetched"
sha=$(sha256sum "$CONFIG" | cut -c1-12)

if [ "$boot" = true ]; then
  log "applied (boot): wrote $CONFIG ($sha); the boot starts $GATEWAY_UNIT"
elif ! systemctl is-active --quiet "$GATEWAY_UNIT"; then
  log "applied (gateway not running): wrote $CONFIG ($sha); $GATEWAY_UNIT reads it when it starts"
elif [ -n "$restart_paths" ]; then
  # A restart by hand resets the unit's NRestarts: the watchdog counts no failure while it starts.
  systemctl restart "$GATEWAY_UNIT"
  log "applied (restart): wrote $CONFIG ($sha) and restarted $GATEWAY_UNIT: openclaw applies $restart_paths only on a restart"
else
  log "applied (hot): wrote $CONFIG ($sha); the running gateway's file watcher applies it"
fi
`;
}
