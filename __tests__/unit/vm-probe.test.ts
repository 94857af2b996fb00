/**
 * The VM proof's guest facts (__tests__/vm/harness/probe.ts): one typed record, printed by one
 * script and parsed and validated in one place. Runs the script here with none of the guest's
 * tools on PATH (only the pipeline's head/tr/sed), so every fact is printed and none is gathered.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { guestProbe, parseFacts, unexplainedRestarts } from "../vm/harness/probe";
import { testSettings } from "../helpers/settings";

const probe = guestProbe(testSettings({ hostOs: "debian12" }), "vol0123456789abcdef0");

/** Runs the probe script with a PATH holding only the tools its pipeline needs. */
function runWithoutGuestTools(script: string): string {
  const bin = mkdtempSync(path.join(tmpdir(), "probe-bin-"));
  try {
    for (const tool of ["head", "tr", "sed"]) {
      const real = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      symlinkSync(real, path.join(bin, tool));
    }
    return spawnSync("/bin/bash", ["-c", script], { encoding: "utf8", env: { PATH: bin } }).stdout;
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

describe("guest facts probe", () => {
  test("the script prints every fact once, and parse reads them back (a failed command leaves its fact empty)", () => {
    const facts = probe.parse(runWithoutGuestTools(probe.script));
    expect(facts.bootId).toBe("");
    expect(facts.cloudInitDone).toBe("no"); // the builtin `test` still answers
    expect(facts.gatewayUnitFile).toBe("absent");
    expect(Object.keys(facts)).toHaveLength(probe.script.split("\n").length);
  });

  test("parse refuses output that is not the facts it asked for, naming each problem", () => {
    const full = runWithoutGuestTools(probe.script);
    const withoutBootId = full.split("\n").filter((l) => !l.startsWith("bootId\t")).join("\n");
    expect(() => probe.parse(withoutBootId)).toThrow(/fact bootId missing/);
    expect(() => probe.parse(`${full}surprise\tx\n`)).toThrow(/unknown fact surprise/);
    expect(() => probe.parse(`${full}healthz\t200\n`)).toThrow(/fact healthz printed twice/);
  });

  test("values keep inner spaces and may be empty", () => {
    expect(parseFacts("marker\twritten by i-1\nhealthz\t\n", ["marker", "healthz"])).toEqual({ marker: "written by i-1", healthz: "" });
  });

  test("a gateway restart passes only when the lease-heartbeat start cap caused it; any other names the journal", () => {
    const cap = "Gateway failed to start: state lease heartbeat did not become ready (elapsedMs=5016, timeoutMs=5000) | ";
    expect(unexplainedRestarts({ gatewayRestarts: "0", heartbeatCapExits: "0", gatewayFailures: "" })).toBe("");
    expect(unexplainedRestarts({ gatewayRestarts: "1", heartbeatCapExits: "1", gatewayFailures: cap })).toBe("");
    expect(unexplainedRestarts({ gatewayRestarts: "2", heartbeatCapExits: "1", gatewayFailures: `${cap}Main process exited, code=killed | ` }))
      .toMatch(/^1 gateway restart\(s\) not caused by the lease-heartbeat start cap: .*code=killed/);
    expect(unexplainedRestarts({ gatewayRestarts: "1", heartbeatCapExits: "0", gatewayFailures: "" })).toMatch(/no failure line in the journal/);
    expect(unexplainedRestarts({ gatewayRestarts: "", heartbeatCapExits: "0", gatewayFailures: "" })).toMatch(/unreadable/);
  });
});
