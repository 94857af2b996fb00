/**
 * `npm run pin:openclaw-tree`: installs the shipped openclaw lock as the host does (npm ci without
 * scripts, then `npm rebuild` of the allowed ones, as nobody when run as root, umask 022) into a
 * scratch folder and prints the tree's digest (modules/host/steps.ts OPENCLAW_TREE_FUNCTIONS) for this
 * machine's architecture. Exit 0 when it is the pin SHIPPED_PINS.openclawTree holds, 1 otherwise (with
 * the line to put there). Needs the npm registry and a Node that openclaw's own install script accepts
 * (it runs on the Node that runs this). Run it after every change of modules/host/openclaw/.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ALLOWED_INSTALL_SCRIPTS, openclawLock, shippedOpenclawTreePin } from "../modules/host/pins";
import { INSTALL_UID, OPENCLAW_TREE_FUNCTIONS } from "../modules/host/steps";
import { Architecture } from "../modules/settings/instance-types";

const arch: Architecture | undefined = ({ x64: "x86_64", arm64: "arm64" } as const)[process.arch as "x64" | "arm64"];
if (!arch) throw new Error(`no pin is kept for ${process.arch}`);
const lock = openclawLock();
const dir = mkdtempSync(path.join(os.tmpdir(), "openclaw-tree-"));
chmodSync(dir, 0o755);
const asInstaller = process.getuid?.() === 0 ? `setpriv --reuid=${INSTALL_UID} --regid=${INSTALL_UID} --clear-groups ` : "";
const npm = (args: string) => `(cd "$D/lib" && ${asInstaller}env HOME="$D/.npm" npm_config_cache="$D/.npm" npm ${args} --no-fund --no-audit --loglevel=warn >&2)`;
const script = `set -euo pipefail
umask 022
mkdir -p "$D/lib" "$D/.npm"
cp "$LOCK" "$D/lib/package-lock.json"
printf '%s\\n' "$PACKAGE_JSON" >"$D/lib/package.json"
${asInstaller ? `chown -R ${INSTALL_UID}:${INSTALL_UID} "$D"` : ":"}
${npm("ci --ignore-scripts")}
${ALLOWED_INSTALL_SCRIPTS.length ? npm(`rebuild ${ALLOWED_INSTALL_SCRIPTS.join(" ")}`) : ":"}
${asInstaller ? `chown -R 0:0 "$D"` : ":"}
${OPENCLAW_TREE_FUNCTIONS}
tree_digest "$D/lib"`;
try {
  const run = spawnSync("bash", ["-c", script], {
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, D: dir, LOCK: lock.lockPath, PACKAGE_JSON: JSON.stringify(JSON.parse(lock.packageJson)) },
    stdio: ["ignore", "pipe", "inherit"], encoding: "utf8",
  });
  if (run.status !== 0) {
    console.error(`openclaw-tree: the install failed (exit ${run.status})`);
    process.exitCode = 1;
  } else {
    const digest = run.stdout.trim();
    const shipped = shippedOpenclawTreePin(lock.sha256, arch);
    console.log(`openclaw ${lock.version}, lock ${lock.sha256}, ${arch}: tree digest ${digest}`);
    if (shipped === digest) console.log("= SHIPPED_PINS.openclawTree (modules/host/pins.ts)");
    else {
      console.log(`differs from SHIPPED_PINS.openclawTree (${shipped ?? "none"}): set openclawTree["${lock.sha256}"].${arch} = "${digest}"`);
      process.exitCode = 1;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
