import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BACKUP_ARCHIVE_GLOB, backupTool } from "../../modules/host/backup";
import { gatewayEnvironment } from "../../modules/host/layout";
import { connectDevice, DeviceConnectResult } from "../helpers/openclaw-device-client";
import {
  CliResult,
  OpenclawFixture,
  openclawFixture,
  openclawFixtureProblem,
  RunningGateway,
  RunningProxy,
  runCli,
  startGateway,
  startProxy,
} from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Issue 15, items 4 and 5 ("openclaw's own backup restore of a backup archive made on the host"),
 * natively with the real pinned openclaw: a device is paired on a running gateway; the rendered
 * `openclaw-backup` (what openclaw-backup.service runs: the unit's environment, no credential) makes
 * the archive while the gateway runs and prunes to `backups.keep`; `openclaw backup verify` accepts
 * it; on a fresh data volume `openclaw backup restore` stages it, its state asset is moved into
 * place (the README's procedure) and a new gateway on it lets the same device in without pairing.
 */
const canRun = requireInCi(openclawFixtureProblem(), "the real-openclaw backup and restore test");
const maybe = canRun ? describe : describe.skip;

const KEEP = 3;
const settings = testSettings({ backups: { keep: KEEP } });
/** The address the proxy puts in X-Forwarded-For (an Internet client, TEST-NET-3): not a local device. */
const CLIENT_ADDRESS = "203.0.113.10";
const ARCHIVE = new RegExp(`^${BACKUP_ARCHIVE_GLOB.replace(/\./g, "\\.").replace("*", ".+")}$`);

interface DeviceList {
  pending: Array<{ requestId: string; deviceId: string }>;
  paired: Array<{ deviceId: string; displayName: string }>;
}

maybe("openclaw backup on the host, pruned, verified and restored with openclaw's own restore", () => {
  let fixture: OpenclawFixture;
  let scratch: string;
  let gateway: RunningGateway | undefined;
  let proxy: RunningProxy | undefined;
  const timings: string[] = [];
  const started = Date.now();
  const mark = (what: string) => timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  beforeAll(() => {
    fixture = openclawFixture() as OpenclawFixture;
    scratch = mkdtempSync(path.join(tmpdir(), "openclaw-backup-"));
  });

  afterAll(async () => {
    await proxy?.stop();
    await gateway?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`openclaw backup test timings:\n  ${timings.join("\n  ")}`);
  }, 30_000);

  const host = (g: RunningGateway, args: string[]): CliResult => {
    const result = g.cli(args);
    expect(result.leakedSecret).toBe(false);
    return result;
  };
  const connect = (g: RunningGateway, p: RunningProxy, deviceDir: string): Promise<DeviceConnectResult> =>
    connectDevice(fixture, p.url.replace(/^http/, "ws"), g.token, deviceDir, "laptop");

  test("archive of a paired device's state while the gateway runs; prune keeps the newest N; restore lets the device in", async () => {
    // 1. A running gateway with a paired device (its pairing lives in openclaw's SQLite state).
    const oldRoot = path.join(scratch, "old-volume");
    gateway = await startGateway(settings, fixture, { root: oldRoot });
    const token = gateway.token;
    proxy = await startProxy(gateway.port, CLIENT_ADDRESS);
    mark("gateway up");
    const laptop = path.join(scratch, "laptop");
    mkdirSync(laptop, { recursive: true, mode: 0o700 });
    const asked = await connect(gateway, proxy, laptop);
    expect(asked).toMatchObject({ ok: false, code: "PAIRING_REQUIRED", requestId: expect.any(String), deviceId: expect.any(String) });
    const { requestId, deviceId } = asked as { requestId: string; deviceId: string };
    expect(host(gateway, ["devices", "approve", requestId, "--json"]).status).toBe(0);
    expect(await connect(gateway, proxy, laptop)).toMatchObject({ ok: true });
    mark("device paired");

    // 2. Older archives (and a file of the operator's) in the backups directory, oldest first.
    const layout = gateway.layout;
    mkdirSync(layout.backupsDir, { recursive: true, mode: 0o700 });
    const old = [1, 2, 3, 4].map((daysAgo) => {
      const name = `2026-11-2${9 - daysAgo}T02-30-00.000+00-00-openclaw-backup.tar.gz`;
      const file = path.join(layout.backupsDir, name);
      writeFileSync(file, "an older archive");
      const when = new Date(Date.now() - daysAgo * 86_400_000);
      utimesSync(file, when, when);
      return name;
    });
    writeFileSync(path.join(layout.backupsDir, "notes.txt"), "not an archive: never pruned");

    // 3. The rendered tool, as its unit runs it: the gateway's environment (no credentials directory), cwd = state dir.
    const tool = path.join(scratch, "openclaw-backup");
    writeFileSync(tool, backupTool(settings, layout));
    chmodSync(tool, 0o755);
    const run = spawnSync("bash", [tool], { cwd: layout.stateDir, env: gatewayEnvironment(layout), encoding: "utf8", timeout: 60_000 });
    mark("backup made");
    expect(run.stderr).not.toContain(token);
    expect(run.stdout).not.toContain(token);
    expect(run.status).toBe(0);
    const created = /^openclaw-backup: created (\S+) \((\d+) bytes, verified\)$/m.exec(run.stderr);
    expect(created).not.toBeNull();
    const [, name, bytes] = created!;
    expect(name).toMatch(ARCHIVE);
    const archive = path.join(layout.backupsDir, name);
    expect(statSync(archive).size).toBe(Number(bytes));
    expect(statSync(archive).mode & 0o077).toBe(0);
    // Exactly KEEP archives stay: the new one and the newest older ones; the operator's file stays too.
    expect(readdirSync(layout.backupsDir).filter((f) => ARCHIVE.test(f)).sort()).toEqual([name, old[0], old[1]].sort());
    expect(readdirSync(layout.backupsDir)).toContain("notes.txt");
    expect(run.stderr.match(/^openclaw-backup: pruned /gm)).toHaveLength(old.length + 1 - KEEP);
    for (const gone of old.slice(KEEP - 1)) expect(run.stderr).toContain(`pruned ${gone} `);

    // 4. openclaw verifies it on its own as well.
    const verify = host(gateway, ["backup", "verify", archive, "--json"]);
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, archivePath: archive });

    // 5. The host is gone: a new data volume, the archive restored with openclaw's own command.
    await proxy.stop();
    proxy = undefined;
    await gateway.stop();
    gateway = undefined;
    const newRoot = path.join(scratch, "new-volume");
    const target = path.join(newRoot, "opt/openclaw/backups/restore");
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    const restore = runCli(layout, gatewayEnvironment(layout), ["backup", "restore", archive, "--target", target, "--json"]);
    expect(restore.status).toBe(0);
    const restored = JSON.parse(restore.stdout) as { ok: boolean; archiveRoot: string; targetPath: string };
    expect(restored).toMatchObject({ ok: true, targetPath: target });
    const manifest = JSON.parse(readFileSync(path.join(target, restored.archiveRoot, "manifest.json"), "utf8")) as {
      assets: Array<{ kind: string; sourcePath: string; archivePath: string }>;
    };
    const state = manifest.assets.find((a) => a.kind === "state");
    expect(state?.sourcePath).toBe(layout.stateDir);
    // Activation (README "Backups"): the restored state asset becomes the state directory.
    const newStateDir = path.join(newRoot, path.relative(oldRoot, layout.stateDir));
    mkdirSync(path.dirname(newStateDir), { recursive: true });
    expect(existsSync(newStateDir)).toBe(false);
    renameSync(path.join(target, state!.archivePath), newStateDir);
    mark("archive restored");

    // 6. A gateway on the restored state knows the device: it is let in without pairing again.
    gateway = await startGateway(settings, fixture, { root: newRoot, token });
    proxy = await startProxy(gateway.port, CLIENT_ADDRESS);
    mark("gateway on the restored state up");
    expect(await connect(gateway, proxy, laptop)).toMatchObject({ ok: true });
    const list = host(gateway, ["devices", "list", "--json"]);
    expect(list.status).toBe(0);
    const devices = JSON.parse(list.stdout) as DeviceList;
    expect(devices.paired).toEqual([expect.objectContaining({ deviceId, displayName: "laptop" })]);
    expect(devices.pending).toEqual([]);
    mark("device let in without pairing");
  }, 150_000);
});
