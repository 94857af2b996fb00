/**
 * How long the VM proof waits for each thing, on a machine of any speed.
 *
 * Every wait is a base window (what passes with a wide margin on the reference machine: the 2-core
 * machine of docs/proofs.md "Timings", idle, TCG) multiplied by the guest's measured speed factor,
 * capped per window, and never longer than what is left of the whole suite's budget — so a slow
 * machine gets longer windows, and a hung guest still ends in a clean error naming the window
 * before `.ci/run`'s outer `timeout` kills jest without a report.
 */

/** Durations measured on the reference machine (docs/proofs.md "Timings", last rehearsal, idle). */
export const REFERENCE_MS = {
  /** VM start → the guest's test agent says hello (kernel, systemd, cloud-init init): 17–22 s; the slow end. */
  agentUp: 22_000,
  /** First boot: VM start → /healthz 200 through the hostfwd, including the real npm install: 319 s. */
  firstBootHealthy: 319_000,
} as const;

/** What a calibration measured: one of REFERENCE_MS's kinds. */
export type CalibrationKind = keyof typeof REFERENCE_MS;

/** The speed factor never goes above this (a guest 4× slower than the reference gets 4× the windows, no more). */
export const MAX_SPEED_FACTOR = 4;

/**
 * The suite's budget when VM_PROOF_BUDGET_SECONDS is not set (`npm run test:vm`): 55 minutes. The whole proof
 * took 2 548 s (42.5 min) on the idle 2-core machine on 2026-12-02; .ci/run sets its own budget from its bound.
 */
export const DEFAULT_BUDGET_MS = 55 * 60_000;

/** Measured ÷ reference, at least 1 (a fast guest keeps the base windows) and at most `max`. */
export function speedFactor(measuredMs: number, referenceMs: number, max = MAX_SPEED_FACTOR): number {
  if (!(measuredMs > 0) || !(referenceMs > 0)) return 1;
  return Math.min(max, Math.max(1, measuredMs / referenceMs));
}

/** base × factor, capped; never below base. */
export function scaledWindow(baseMs: number, factor: number, capMs: number): number {
  return Math.max(baseMs, Math.min(capMs, Math.round(baseMs * factor)));
}

/** The budget from the environment (seconds), or DEFAULT_BUDGET_MS; a bad value is one clean error. */
export function budgetFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VM_PROOF_BUDGET_SECONDS;
  if (raw === undefined || raw === "") return DEFAULT_BUDGET_MS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 60) {
    throw new Error(`VM_PROOF_BUDGET_SECONDS: got ${JSON.stringify(raw)}; allowed: a whole number of seconds, at least 60 (default ${DEFAULT_BUDGET_MS / 1000})`);
  }
  return seconds * 1000;
}

/** One wait's length and how it was reached (for progress lines and timeout messages). */
export interface Window {
  ms: number;
  /** e.g. `cloud-init finished: 1350 s (base 900 s × speed 1.50, cap 1800 s)`. */
  describe: string;
}

const s = (ms: number) => `${Math.round(ms / 1000)} s`;

/** The suite's pace: its budget, the speed factor measured so far, and the windows derived from both. */
export class Pace {
  private readonly deadline: number;
  private measured: { kind: CalibrationKind; ms: number; factor: number }[] = [];

  constructor(
    readonly budgetMs: number,
    readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = startedAt + budgetMs;
  }

  /** The current speed factor: the largest any calibration gave (conservative when speed varies). */
  get factor(): number {
    return this.measured.reduce((f, m) => Math.max(f, m.factor), 1);
  }

  /** Records a calibration measurement; returns the resulting factor. */
  observe(kind: CalibrationKind, ms: number): number {
    this.measured.push({ kind, ms, factor: speedFactor(ms, REFERENCE_MS[kind]) });
    return this.factor;
  }

  /** Every calibration so far, e.g. `agentUp 31 s → ×1.41`. */
  calibrations(): string[] {
    return this.measured.map((m) => `${m.kind} ${s(m.ms)} (reference ${s(REFERENCE_MS[m.kind])}) → ×${m.factor.toFixed(2)}`);
  }

  /** Time left before the suite's budget is spent. */
  remainingMs(): number {
    return this.deadline - this.now();
  }

  /**
   * The window for one wait: base × factor, capped at capMs, and cut to the budget left.
   * Throws when the budget is already spent (the wait could not even start).
   */
  window(name: string, baseMs: number, capMs: number): Window {
    const factor = this.factor;
    const scaled = scaledWindow(baseMs, factor, capMs);
    const left = this.remainingMs();
    if (left <= 1000) {
      throw new Error(`${name}: the VM proof's budget of ${s(this.budgetMs)} is spent (VM_PROOF_BUDGET_SECONDS; .ci/run bounds the VM step)`);
    }
    const ms = Math.min(scaled, left);
    const how = `base ${s(baseMs)} × speed ${factor.toFixed(2)}, cap ${s(capMs)}${ms < scaled ? `, cut to the ${s(left)} left of the suite's budget` : ""}`;
    return { ms, describe: `${name}: ${s(ms)} (${how})` };
  }
}
