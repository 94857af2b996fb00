import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/**
 * Fakes for running the rendered `openclaw-apply-config` outside a host: `aws s3api get-object` copies
 * the "bucket" file (missing: S3's NoSuchKey error), `systemd-run` runs the command after `--` as a transient
 * unit would (as the test's user): only the `--setenv=` environment, its UMask=, working directory, a
 * LoadCredential= copied into a fresh $CREDENTIALS_DIRECTORY and RuntimeMaxSec= as a timeout (and this machine's
 * NODE_EXTRA_CA_CERTS, when it has one: a CA that intercepts its HTTPS, which npm must trust here; a host has none);
 * `systemctl` records its arguments and answers
 * `is-active` from a switch file, `sleep` returns at once (the retries' pauses).
 */
export interface ConfigApplyFakes {
  /** The object the fake bucket serves. */
  readonly objectFile: string;
  /** Every systemctl call, one line each. */
  systemctlCalls(): string[];
  /** Every systemd-run call, one line each. */
  systemdRunCalls(): string[];
  /** Whether `systemctl is-active` says the gateway runs. */
  setGatewayActive(active: boolean): void;
  /** Runs the tool with the fakes first on PATH (killed after `timeoutMs`, default 60 s). */
  run(tool: string, args?: string[], timeoutMs?: number): SpawnSyncReturns<string>;
}

export function configApplyFakes(dir: string): ConfigApplyFakes {
  const bin = path.join(dir, "fake-bin");
  const objectFile = path.join(dir, "bucket", "openclaw.json");
  const systemctlLog = path.join(dir, "systemctl.log");
  const systemdRunLog = path.join(dir, "systemd-run.log");
  const inactive = path.join(dir, "gateway-inactive");
  mkdirSync(bin, { recursive: true });
  mkdirSync(path.dirname(objectFile), { recursive: true });
  const fakes: Record<string, string> = {
    aws: `#!/bin/bash
[ "$1 $2" = "s3api get-object" ] || { echo "fake aws: unexpected $*" >&2; exit 2; }
if [ ! -f ${JSON.stringify(objectFile)} ]; then
  echo "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist." >&2
  exit 254
fi
cp ${JSON.stringify(objectFile)} "\${@: -1}"
`,
    "systemd-run": `#!/bin/bash
echo "$*" >>${JSON.stringify(systemdRunLog)}
mask=0022
env=()
bound=()
while [ "$1" != "--" ]; do
  case "$1" in
    --property=UMask=*) mask=\${1#--property=UMask=} ;;
    --setenv=*) env+=("\${1#--setenv=}") ;;
    --working-directory=*) cd "\${1#--working-directory=}" ;;
    --property=RuntimeMaxSec=*) bound=(timeout "\${1#--property=RuntimeMaxSec=}") ;;
    --property=LoadCredential=*)
      credential=\${1#--property=LoadCredential=}
      credentials=$(mktemp -d)
      cp "\${credential#*:}" "$credentials/\${credential%%:*}"
      env+=("CREDENTIALS_DIRECTORY=$credentials") ;;
  esac
  shift
done
shift
umask "$mask"
if [ -n "\${NODE_EXTRA_CA_CERTS:-}" ]; then env+=("NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"); fi
exec env -i "\${env[@]}" "\${bound[@]}" "$@"
`,
    systemctl: `#!/bin/bash
echo "$*" >>${JSON.stringify(systemctlLog)}
if [ "$1" = is-active ] && [ -e ${JSON.stringify(inactive)} ]; then exit 3; fi
exit 0
`,
    sleep: "#!/bin/bash\nexit 0\n",
  };
  for (const [name, text] of Object.entries(fakes)) {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
  }
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter((l) => l !== "") : []);
  return {
    objectFile,
    systemctlCalls: () => lines(systemctlLog),
    systemdRunCalls: () => lines(systemdRunLog),
    setGatewayActive: (active) => {
      if (active) spawnSync("rm", ["-f", inactive]);
      else writeFileSync(inactive, "");
    },
    run: (tool, args = [], timeoutMs = 60_000) => spawnSync("bash", [tool, ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}) }, encoding: "utf8", timeout: timeoutMs }),
  };
}
