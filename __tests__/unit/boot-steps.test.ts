import * as fs from "node:fs";
import * as path from "node:path";
import { HOST_OPERATING_SYSTEMS } from "../../modules/settings/settings";
import { BOOT_STEPS, BootStep, bootStepOrderErrors, hostContract, INHERITED_VARIABLES, renderBootScript, renderUnits } from "../../modules/host";
import { testSettings } from "../helpers/settings";

/**
 * The shell variables a piece of the boot script reads and sets, outside the here-documents
 * (the files it writes). A `NAME=value command` prefix is the command's environment, not a set.
 */
function shellVariables(bash: string): { reads: string[]; sets: string[] } {
  const code = bash.replace(/<<'OPENCLAW_EOF'\n[\s\S]*?\nOPENCLAW_EOF/g, "");
  const reads = [...code.matchAll(/\$\{?#?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]);
  const prefixes = new Set([...code.matchAll(/(?:^|[\s;(&|])([A-Z_][A-Z0-9_]*)=(?:"[^"]*"|'[^']*'|\$\([^)]*\)|[^\s;()'"])*[ \t]+(?=[a-z])/gm)].map((m) => m.index! + m[0].indexOf(m[1])));
  const sets = [...code.matchAll(/(?:^|[\s;(&|])([A-Z_][A-Z0-9_]*)\+?=/gm)]
    .filter((m) => !prefixes.has(m.index! + m[0].indexOf(m[1])))
    .map((m) => m[1]);
  return { reads: [...new Set(reads)].sort(), sets: [...new Set(sets)].sort() };
}

const inherited = new Set(INHERITED_VARIABLES);
const sorted = (names: readonly string[]) => [...new Set(names)].filter((n) => !inherited.has(n)).sort();

describe("boot steps declare the shell variables they share", () => {
  test("every step needs only what an earlier step provides", () => {
    expect(bootStepOrderErrors(BOOT_STEPS)).toEqual([]);
  });

  test("the order check fails when a step runs before the one that provides what it needs", () => {
    const byName = (name: string) => BOOT_STEPS.find((s) => s.name === name)!;
    const swapped = BOOT_STEPS.filter((s) => s.name !== "metadata");
    swapped.splice(swapped.indexOf(byName("volume")) + 1, 0, byName("metadata"));
    expect(bootStepOrderErrors(swapped)).toEqual(["volume needs INSTANCE_ID, which no earlier step provides"]);
    expect(bootStepOrderErrors(BOOT_STEPS.slice(1))).toContain("volume needs ENVIRONMENT, which no earlier step provides");
  });

  test.each(HOST_OPERATING_SYSTEMS)("%s: each rendered step reads and sets exactly what it declares", (hostOs) => {
    const s = testSettings({ hostOs });
    const c = hostContract(s);
    // A step that renders nothing on this OS (the SSM agent on AL2023) declares for the other one.
    const steps = BOOT_STEPS.filter((step) => step.render(s, c) !== "");
    const declared = steps.map((step) => ({ name: step.name, needs: sorted(step.needs), provides: sorted(step.provides) }));
    const rendered = steps.map((step) => {
      const { reads, sets } = shellVariables(step.render(s, c));
      return { name: step.name, needs: sorted(reads.filter((r) => !sets.includes(r))), provides: sorted(sets) };
    });
    expect(rendered).toEqual(declared);
  });

  test("the declaration check is live: an undeclared read or set is found", () => {
    const bash = 'step "x"\nFOO=$(date)\nX=$(date +%s)\nlog "$FOO $BAR ${#LIST[@]}"\nPATH="$NODE_DIR/bin:$PATH" npm ci\nput_file a 644 root:root <<\'OPENCLAW_EOF\'\n$HIDDEN\nOPENCLAW_EOF\n';
    expect(shellVariables(bash)).toEqual({ reads: ["BAR", "FOO", "LIST", "NODE_DIR", "PATH"], sets: ["FOO", "X"] });
    const step: BootStep = { name: "x", needs: [], provides: ["FOO"], render: () => bash };
    expect(bootStepOrderErrors([step, { ...step, name: "y", needs: ["BAR"] }])).toEqual(["y needs BAR, which no earlier step provides"]);
  });

  test("the boot script is the steps' renderings in order, resolved from one contract", () => {
    const s = testSettings();
    const c = hostContract(s);
    expect(renderBootScript(s)).toBe(BOOT_STEPS.map((step) => step.render(s, c)).filter((p) => p !== "").join("\n"));
    expect(Object.isFrozen(c)).toBe(true);
  });
});

describe("host contract", () => {
  const c = hostContract(testSettings());

  test("resolved once: no renderer under modules/host calls hostContract (only renderBootScript)", () => {
    const dir = path.join(__dirname, "..", "..", "modules", "host");
    const callers = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "contract.ts")
      .flatMap((f) => (fs.readFileSync(path.join(dir, f), "utf8").match(/\bhostContract\(/g) ?? []).map(() => f));
    expect(callers).toEqual(["index.ts"]);
  });

  test("files are derived from their directories; all twelve units are named in it and rendered", () => {
    expect([c.configPath, c.acmeStorage, c.secretsFile, c.traefikBin, c.traefikStaticConfig, c.traefikDynamicConfig, c.nodeBin, c.watchdogStateDir]
      .map(path.dirname)).toEqual([c.stateDir, c.traefikDataDir, c.runDir, c.traefikDir, c.traefikConfigDir, c.traefikConfigDir, `${c.nodeDir}/bin`, c.runDir]);
    const units = [c.secretsUnit, c.gatewayUnit, c.traefikUnit, c.watchdogServiceUnit, c.watchdogTimerUnit, c.certGuardServiceUnit, c.certGuardTimerUnit,
      c.imdsFirewallUnit, c.backupServiceUnit, c.backupTimerUnit, c.applyConfigServiceUnit, c.applyConfigTimerUnit];
    expect(Object.keys(renderUnits(testSettings(), c)).sort()).toEqual([...units].sort());
    expect(c.hostName).toBe("openclaw-test");
  });
});
