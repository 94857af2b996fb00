#!/bin/bash
# Installs what the boot-script tests need on a fresh Debian 12 machine (CI or a developer's):
# bash -n/shellcheck (boot-lint), systemd-analyze (boot-lint), bubblewrap + iproute2 (the sandbox's
# own network namespace), and the real tools the boot script runs inside the sandbox
# (curl, tar, xz, jq, sha256sum, useradd, setpriv, nft: also applied for real in a network namespace by
# __tests__/integration/imds-firewall.test.ts). Only missing packages are installed.
set -euo pipefail
declare -A needs=(
  [shellcheck]=shellcheck [systemd-analyze]=systemd [bwrap]=bubblewrap [ip]=iproute2
  [curl]=curl [tar]=tar [xz]=xz-utils [jq]=jq [sha256sum]=coreutils [useradd]=passwd [setpriv]=util-linux
  [nft]=nftables [unshare]=util-linux
)
missing=()
for command in "${!needs[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${needs[$command]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "boot-tests setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "boot-tests setup: all tools present"
fi
