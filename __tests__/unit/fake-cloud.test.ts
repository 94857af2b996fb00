/**
 * One AWS fake vocabulary (__tests__/helpers/fake-cloud.ts): the operations the host makes are
 * exactly the ones both fakes answer, named the same way, and both fakes' SSM parameters are the
 * secrets catalogue's. (The VM fake's side runs in __tests__/vm/fakes.test.ts, which needs no VM.)
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { renderBootScript } from "../../modules/host";
import { secretParameterName, secretsInUse } from "../../modules/secrets-catalogue";
import { AWS_OPERATIONS, cliOperation, METRIC_OPERATIONS, ROLLBACK_OPERATIONS, secretParameters } from "../helpers/fake-cloud";
import { sandboxAccount } from "../helpers/sandbox";
import { testSettings } from "../helpers/settings";

const vocabulary = AWS_OPERATIONS.map((o) => `${o.service} ${o.operation}`).sort();
/**
 * The vocabulary, the rollback-only calls (the loader's search of the host script's versions) and the
 * metric data points (the sandbox's fake answers them, the VM's does not), by their CLI words.
 */
const withRollback = [...new Set([...vocabulary, ...[...ROLLBACK_OPERATIONS, ...METRIC_OPERATIONS].map((o) => `${o.service} ${o.operation.split(" ")[0]}`)])].sort();

describe("one AWS fake vocabulary", () => {
  test("the operations are the ones the rendered boot script and its host tools call, no more, no fewer (alerts on; off: no metric)", () => {
    const metricWords = METRIC_OPERATIONS.map((o) => `${o.service} ${o.operation.split(" ")[0]}`);
    for (const hostOs of ["debian12", "al2023"] as const) {
      for (const alerts of [["ops@clawops.dev"], []]) {
        const script = renderBootScript(testSettings({ hostOs, alerts }));
        const called = new Set([...script.matchAll(/\baws (ec2|ssm|autoscaling|s3api|cloudwatch) ([a-z][a-z-]*)/g)].map((m) => `${m[1]} ${m[2]}`));
        expect([...called].sort()).toEqual(alerts.length > 0 ? withRollback : withRollback.filter((o) => !metricWords.includes(o)));
      }
    }
  });

  test("the sandbox's fake aws command answers exactly these operations, by the same words", () => {
    const fake = readFileSync(path.join(__dirname, "../helpers/sandbox-fakes/bin/aws"), "utf8");
    const cases = [...fake.matchAll(/^\s*case "([a-z0-9]+ [a-z-]+)":/gm)].map((m) => m[1]).sort();
    expect(cases).toEqual(withRollback);
  });

  test("API actions map to the CLI's words (the VM fake records calls by them)", () => {
    for (const { action, operation } of AWS_OPERATIONS) expect(cliOperation(action)).toBe(operation);
    expect(cliOperation("TerminateInstances")).toBe("terminate-instances");
    expect(cliOperation("GetParametersByPath")).toBe("get-parameters-by-path");
  });

  test("the sandbox's account holds one parameter per catalogue secret, each at its placeholder", () => {
    const s = testSettings();
    expect(secretParameters(s).map((p) => p.name)).toEqual(secretsInUse(s).map((secret) => secretParameterName(s, secret)));
    expect(secretParameters({ ...s, openclaw: { channels: { slack: {} } } }).map((p) => p.name))
      .toEqual([...secretsInUse(s).map((secret) => secretParameterName(s, secret)), "/openclaw/test/slack-bot-token", "/openclaw/test/slack-app-token"]);
    expect(sandboxAccount(s).parameters).toEqual(
      Object.fromEntries(secretsInUse(s).map((secret) => [secretParameterName(s, secret), secret.placeholder])));
  });
});
