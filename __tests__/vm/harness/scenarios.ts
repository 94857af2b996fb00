/**
 * The VM proof's scenarios run in order and hand facts to each other (scenario 1's boot id,
 * filesystem UUID, token hash, … are what scenarios 2–3 compare against). This ledger makes a
 * scenario whose predecessor failed (or did not run) fail with that cause as soon as it needs the fact, instead of a
 * TypeError on a fact that was never recorded.
 */

/** One scenario's outcome as far as its successors care. */
type Outcome = { state: "passed" } | { state: "failed"; error: string };

/** The first lines of an error message: enough to name the cause, short enough for a test title's failure. */
export function firstLines(message: string, lines = 6): string {
  const all = message.split("\n");
  return all.length > lines ? `${all.slice(0, lines).join("\n")}\n…` : message;
}

/** Facts recorded by scenarios, keyed by name, with each scenario's outcome. */
export class ScenarioLedger {
  private readonly outcomes = new Map<string, Outcome>();
  private readonly facts = new Map<string, { by: string; value: unknown }>();

  /** Runs one scenario's body, recording whether it passed or why it failed (the error is rethrown). */
  async run(scenario: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      this.outcomes.set(scenario, { state: "passed" });
    } catch (err) {
      this.outcomes.set(scenario, { state: "failed", error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  /** Records a fact for later scenarios (recorded as soon as it is known, so a later failure in the same scenario keeps it). */
  record<T>(scenario: string, name: string, value: T): T {
    this.facts.set(name, { by: scenario, value });
    return value;
  }

  /**
   * A fact a scenario needs from a predecessor; throws a message naming both scenarios and the
   * predecessor's own error when the fact was never recorded.
   */
  need<T>(consumer: string, producer: string, name: string): T {
    const fact = this.facts.get(name);
    if (fact) return fact.value as T;
    throw new Error(missingFactMessage(consumer, producer, name, this.outcomes.get(producer)));
  }
}

/** "scenario 2 cannot go on: scenario 1 did not record <fact> because scenario 1 failed: <its error>". */
export function missingFactMessage(consumer: string, producer: string, fact: string, outcome: Outcome | undefined): string {
  const head = `scenario ${consumer} cannot go on: scenario ${producer} did not record ${fact}`;
  if (!outcome) return `${head} because scenario ${producer} did not run (the scenarios share one VM and one data disk: run the whole file, not one test)`;
  if (outcome.state === "failed") return `${head} because scenario ${producer} failed: ${firstLines(outcome.error)}`;
  return `${head} although scenario ${producer} passed (a bug in the test: it must record ${fact})`;
}
