#!/bin/bash
# Runs inside the bubblewrap sandbox: loopback with the IMDS address, the fake servers, then "$@".
set -euo pipefail
ip link set lo up
ip addr add 169.254.169.254/32 dev lo
rm -f /fake/state/servers.ready
node /fake/servers.js 2>>/fake/state/servers.err &
for _ in $(seq 800); do
  [ -f /fake/state/servers.ready ] && break
  /bin/sleep 0.025
done
[ -f /fake/state/servers.ready ] || { echo "sandbox: fake servers did not start" >&2; cat /fake/state/servers.err >&2; exit 90; }
status=0
"$@" || status=$?
exit "$status"
