/**
 * The VM proof's timing and hand-over logic, without a VM: windows scale with the guest's measured
 * speed and stay inside the suite's budget; a scenario whose predecessor failed names that failure.
 */
import { budgetFromEnv, DEFAULT_BUDGET_MS, MAX_SPEED_FACTOR, Pace, REFERENCE_MS, scaledWindow, speedFactor } from "../vm/harness/pace";
import { firstLines, missingFactMessage, ScenarioLedger } from "../vm/harness/scenarios";

const MINUTE = 60_000;

describe("speed factor and scaled windows", () => {
  test("a guest slower than the reference scales by measured ÷ reference; a faster one keeps the base", () => {
    expect(speedFactor(44_000, 22_000)).toBe(2);
    expect(speedFactor(488_000, 319_000)).toBeCloseTo(1.53, 2); // the other machine's idle first boot
    expect(speedFactor(10_000, 22_000)).toBe(1);
  });

  test("the factor is capped, and nonsense measurements give 1", () => {
    expect(speedFactor(22_000 * 100, 22_000)).toBe(MAX_SPEED_FACTOR);
    expect(speedFactor(0, 22_000)).toBe(1);
    expect(speedFactor(Number.NaN, 22_000)).toBe(1);
  });

  test("a window is base × factor, within [base, cap]", () => {
    expect(scaledWindow(5 * MINUTE, 1.5, 20 * MINUTE)).toBe(7.5 * MINUTE);
    expect(scaledWindow(15 * MINUTE, 3, 30 * MINUTE)).toBe(30 * MINUTE);
    expect(scaledWindow(90_000, 1, 5 * MINUTE)).toBe(90_000);
  });
});

describe("Pace: calibrations, windows and the suite's budget", () => {
  const clock = (start: number) => {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  test("without a calibration every window is its base", () => {
    const c = clock(0);
    const pace = new Pace(42 * MINUTE, 0, c.now);
    expect(pace.factor).toBe(1);
    expect(pace.window("device connect", 90_000, 5 * MINUTE)).toEqual({
      ms: 90_000, describe: "device connect: 90 s (base 90 s × speed 1.00, cap 300 s)",
    });
  });

  test("the slowest calibration sets the factor for every later window", () => {
    const c = clock(0);
    const pace = new Pace(42 * MINUTE, 0, c.now);
    expect(pace.observe("agentUp", REFERENCE_MS.agentUp * 1.25)).toBe(1.25);
    expect(pace.observe("firstBootHealthy", 488_000)).toBeCloseTo(1.53, 2);
    expect(pace.observe("agentUp", REFERENCE_MS.agentUp)).toBeCloseTo(1.53, 2); // a fast reboot does not shrink it
    expect(pace.window("reboot: gateway healthy again", 6 * MINUTE, 15 * MINUTE).ms).toBe(Math.round(6 * MINUTE * (488_000 / 319_000)));
    expect(pace.calibrations()).toEqual([
      "agentUp 28 s (reference 22 s) → ×1.25",
      "firstBootHealthy 488 s (reference 319 s) → ×1.53",
      "agentUp 22 s (reference 22 s) → ×1.00",
    ]);
  });

  test("a window never outlasts the budget left, and says it was cut", () => {
    const c = clock(1_000);
    const pace = new Pace(20 * MINUTE, 1_000, c.now);
    c.advance(17 * MINUTE);
    const w = pace.window("first: cloud-init finished", 15 * MINUTE, 45 * MINUTE);
    expect(w.ms).toBe(3 * MINUTE);
    expect(w.describe).toBe("first: cloud-init finished: 180 s (base 900 s × speed 1.00, cap 2700 s, cut to the 180 s left of the suite's budget)");
  });

  test("a spent budget is one clean error naming the wait and the setting", () => {
    const c = clock(0);
    const pace = new Pace(10 * MINUTE, 0, c.now);
    c.advance(10 * MINUTE);
    expect(() => pace.window("probe", 2 * MINUTE, 6 * MINUTE)).toThrow(
      "probe: the VM proof's budget of 600 s is spent (VM_PROOF_BUDGET_SECONDS; .ci/run bounds the VM step)",
    );
  });

  test("the budget comes from VM_PROOF_BUDGET_SECONDS, default 55 minutes; a bad value names variable, value and what is allowed", () => {
    expect(budgetFromEnv({})).toBe(DEFAULT_BUDGET_MS);
    expect(DEFAULT_BUDGET_MS).toBe(55 * MINUTE);
    expect(budgetFromEnv({ VM_PROOF_BUDGET_SECONDS: "2580" })).toBe(2_580_000);
    for (const bad of ["45m", "30", "-1", "12.5"]) {
      expect(() => budgetFromEnv({ VM_PROOF_BUDGET_SECONDS: bad })).toThrow(
        `VM_PROOF_BUDGET_SECONDS: got "${bad}"; allowed: a whole number of seconds, at least 60 (default 3300)`,
      );
    }
  });
});

describe("ScenarioLedger: a scenario whose predecessor failed names that failure", () => {
  const FACTS = "the first boot's facts";

  test("facts recorded by a scenario reach its successors", async () => {
    const ledger = new ScenarioLedger();
    await ledger.run("1", async () => {
      ledger.record("1", FACTS, { bootId: "b1", volumeFsUuid: "u1" });
    });
    expect(ledger.need<{ bootId: string }>("2", "1", FACTS).bootId).toBe("b1");
  });

  test("a predecessor that failed before recording: the successor's error quotes it (no TypeError)", async () => {
    const ledger = new ScenarioLedger();
    const cause = "expect(received).toMatchObject(expected)\n- code: PAIRING_REQUIRED\n+ code: CONNECT_TIMEOUT";
    await expect(ledger.run("1", async () => {
      throw new Error(cause);
    })).rejects.toThrow(cause);
    expect(() => ledger.need("2", "1", FACTS)).toThrow(
      `scenario 2 cannot go on: scenario 1 did not record ${FACTS} because scenario 1 failed: ${cause}`,
    );
  });

  test("facts recorded before a later failure in the same scenario are kept; the missing one names the failure", async () => {
    const ledger = new ScenarioLedger();
    await expect(ledger.run("1", async () => {
      ledger.record("1", FACTS, { volumeFsUuid: "u1" });
      throw new Error("device connect: no answer from the gateway within 90 s");
    })).rejects.toThrow();
    expect(ledger.need<{ volumeFsUuid: string }>("4a", "1", FACTS).volumeFsUuid).toBe("u1");
    expect(() => ledger.need("3", "1", "the remote device's pairing")).toThrow(
      "scenario 3 cannot go on: scenario 1 did not record the remote device's pairing because scenario 1 failed: device connect: no answer from the gateway within 90 s",
    );
  });

  test("a predecessor that did not run (jest -t on one scenario) says so", () => {
    expect(() => new ScenarioLedger().need("2", "1", FACTS)).toThrow(
      `scenario 2 cannot go on: scenario 1 did not record ${FACTS} because scenario 1 did not run (the scenarios share one VM and one data disk: run the whole file, not one test)`,
    );
  });

  test("a predecessor that passed without recording is reported as the test's own bug", () => {
    expect(missingFactMessage("2", "1", FACTS, { state: "passed" })).toBe(
      `scenario 2 cannot go on: scenario 1 did not record ${FACTS} although scenario 1 passed (a bug in the test: it must record ${FACTS})`,
    );
  });

  test("a long predecessor error is cut to its first lines", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    expect(firstLines(long)).toBe("line 0\nline 1\nline 2\nline 3\nline 4\nline 5\n…");
    expect(firstLines("one line")).toBe("one line");
  });
});
