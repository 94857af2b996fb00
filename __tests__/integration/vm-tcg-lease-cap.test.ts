import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { leaseCapHook, SCALED_LINE, TCG_LEASE_CAP_MS, tcgVendorData } from "../vm/harness/tcg-lease-cap";
import { OpenclawFixture, openclawFixture, openclawFixtureProblem } from "../helpers/openclaw-harness";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * The VM proof's one change to openclaw (__tests__/vm/harness/tcg-lease-cap.ts), checked against the pinned openclaw
 * on its own Node 24 (the guest's): the hook scales exactly the lease-heartbeat start cap and says so, and fails
 * loudly when that constant is gone, so the VM can never silently run without (or with a stale) adjustment.
 */
const run = requireInCi(openclawFixtureProblem(), "the VM's TCG lease-cap hook against the real openclaw") ? describe : describe.skip;

run("VM proof: the scaled lease-heartbeat start cap (TCG only)", () => {
  let fixture: OpenclawFixture;
  let dir: string;
  let hook: string;
  beforeAll(() => {
    fixture = openclawFixture() as OpenclawFixture;
    dir = mkdtempSync(path.join(tmpdir(), "tcg-lease-cap-"));
    hook = path.join(dir, "hook.mjs");
    writeFileSync(hook, leaseCapHook());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const importWithHook = (file: string) =>
    spawnSync(fixture.nodeBin, [`--import=${hook}`, "--input-type=module", "-e",
      `const m = await import(${JSON.stringify(file)}); console.log(JSON.stringify(Object.values(m).filter((v) => typeof v === "number")));`],
    { encoding: "utf8" });

  test("openclaw's own module, loaded through the hook, carries the scaled cap; without it, 5 s", () => {
    const dist = path.join(path.dirname(fixture.openclawEntry), "dist");
    const shared = readdirSync(dist).filter((f) => /^openclaw-state-lease-heartbeat-shared-.*\.mjs$/.test(f));
    expect(shared).toHaveLength(1);
    const file = path.join(dist, shared[0]);
    const scaled = importWithHook(file);
    expect(scaled.status).toBe(0);
    expect(JSON.parse(scaled.stdout)).toEqual([TCG_LEASE_CAP_MS]);
    expect(scaled.stderr).toContain(SCALED_LINE);
    const plain = execFileSync(fixture.nodeBin, ["--input-type=module", "-e",
      `const m = await import(${JSON.stringify(file)}); console.log(JSON.stringify(Object.values(m).filter((v) => typeof v === "number")));`], { encoding: "utf8" });
    expect(JSON.parse(plain)).toEqual([5000]);
  });

  test("a file of that name without the constant fails the import, naming the file and the harness to update", () => {
    const fake = path.join(dir, "dist");
    mkdirSync(fake, { recursive: true });
    const file = path.join(fake, "openclaw-state-lease-heartbeat-shared-XXXX.mjs");
    writeFileSync(file, "const LEASE_HEARTBEAT_START_TIMEOUT_MS = 7e3;\nexport { LEASE_HEARTBEAT_START_TIMEOUT_MS as t };\n");
    const result = importWithHook(file);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("no longer declares const LEASE_HEARTBEAT_START_TIMEOUT_MS = 5e3;");
    expect(result.stderr).toContain("tcg-lease-cap.ts");
  });

  test("the vendor-data drop-in keeps the unit's NODE_OPTIONS and adds only the hook", () => {
    const data = tcgVendorData(testSettings());
    expect(data.startsWith("#cloud-config\n")).toBe(true);
    const config = JSON.parse(data.slice("#cloud-config\n".length)) as { write_files: { path: string; content: string }[] };
    const dropIn = config.write_files.find((f) => f.path === "/etc/systemd/system/openclaw-gateway.service.d/vmtest-tcg.conf");
    expect(dropIn?.content).toBe('[Service]\nEnvironment="NODE_OPTIONS=--max-old-space-size=960 --import=/usr/local/lib/vmtest/tcg-lease-cap.mjs"\n');
    expect(config.write_files.find((f) => f.path === "/usr/local/lib/vmtest/tcg-lease-cap.mjs")?.content).toBe(leaseCapHook());
  });
});
