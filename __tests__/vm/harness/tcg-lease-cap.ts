import { hostContract } from "../../../modules/host/contract";
import { memoryBudget } from "../../../modules/host/memory";
import { gatewayNodeOptions } from "../../../modules/host/units";
import type { GatewaySettings } from "../../../modules/settings/settings";

/**
 * The one change the VM proof makes to openclaw, and why. openclaw 2026.9.6 gives its state-lease heartbeat worker a
 * hard-coded 5 s to start (`LEASE_HEARTBEAT_START_TIMEOUT_MS = 5e3`, openclaw/openclaw#152681, kept upstream) and exits
 * when it misses it (exit 1 in "starting…", exit 78 when a start-up migration holds the lease). That worker loads ~280
 * modules: 0.25 s natively, 3.4–7 s in this TCG guest (measured 2026-12-01, docs/proofs.md), so under emulation most
 * gateway starts died on the cap — five in a row after a reboot in CI (stop 22) — while on EC2 the margin is ×20.
 * The harness scales that one constant by the emulation's slowdown, the way pace.ts scales its own windows: a load
 * hook, preloaded into the gateway only (a systemd drop-in delivered as cloud-init vendor-data, never the product's
 * user data), rewrites it to 60 s and says so once in the gateway's journal (`SCALED_LINE`), which every scenario
 * checks. If openclaw's source no longer has the constant, the hook fails the gateway's start loudly.
 * Side effect, by count not measured: with `--import` in NODE_OPTIONS openclaw skips its own resolve fast path
 * (dist/entry.esm-resolve-fast-path-*.mjs), which covers relative ".js" specifiers only — ~640 of ~44 000 import
 * edges in 2026.9.6's dist; the rest are ".mjs", typed by their extension without a package-scope lookup.
 */
export const TCG_LEASE_CAP_MS = 60_000;

/** The journal line the hook prints in each gateway process that loaded the scaled constant. */
export const SCALED_LINE = `vmtest-tcg: openclaw's lease-heartbeat start cap 5000 ms -> ${TCG_LEASE_CAP_MS} ms (emulated CPU)`;

/** Where the hook lives in the guest (root disk; readable by the gateway's user). */
export const HOOK_PATH = "/usr/local/lib/vmtest/tcg-lease-cap.mjs";

/** The hook: Node's synchronous module hooks (module.registerHooks, Node ≥ 22.15) rewriting one constant in one file. */
export function leaseCapHook(): string {
  return `import { registerHooks } from "node:module";
const FROM = "const LEASE_HEARTBEAT_START_TIMEOUT_MS = 5e3;";
const TO = "const LEASE_HEARTBEAT_START_TIMEOUT_MS = ${TCG_LEASE_CAP_MS};";
registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (!/\\/openclaw-state-lease-heartbeat-shared-[^/]*\\.mjs$/.test(url)) return result;
    const source = String(result.source);
    if (!source.includes(FROM)) throw new Error("vmtest-tcg: " + url + " no longer declares " + FROM + " (update __tests__/vm/harness/tcg-lease-cap.ts)");
    process.stderr.write(${JSON.stringify(SCALED_LINE + "\n")});
    return { ...result, source: source.replace(FROM, TO) };
  },
});
`;
}

/**
 * cloud-init vendor-data (NoCloud seed) for a test instance: the hook and a drop-in that preloads it into the gateway
 * (the unit's own NODE_OPTIONS plus `--import`). write_files runs in cloud-init's init stage, before the user data.
 */
export function tcgVendorData(s: GatewaySettings): string {
  const layout = hostContract(s);
  const nodeOptions = `${gatewayNodeOptions(memoryBudget(s.instanceType))} --import=${HOOK_PATH}`;
  const config = {
    write_files: [
      { path: HOOK_PATH, permissions: "0644", content: leaseCapHook() },
      {
        path: `/etc/systemd/system/${layout.gatewayUnit}.d/vmtest-tcg.conf`, permissions: "0644",
        content: `[Service]\nEnvironment="NODE_OPTIONS=${nodeOptions}"\n`,
      },
    ],
  };
  return `#cloud-config\n${JSON.stringify(config, null, 1)}\n`;
}
