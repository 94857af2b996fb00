import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { hostContract } from "../../modules/host/contract";
import { renderCertGuard } from "../../modules/host/cert-guard";
import { DATA_VOLUME_ALERT_PERCENT, HOST_METRICS, PUBLISH_METRIC_TIMEOUT_SECONDS, publishMetric, publishMetricFunction } from "../../modules/host/metrics";
import { completeLaunchFunction, LAUNCH_HOOK } from "../../modules/host/steps";
import { certGuardTool, resourceCheckFunction, watchdogTool } from "../../modules/host/tools";
import { AWS_CLI_BOUNDS } from "../../modules/host/posix";
import { renderUserData } from "../../modules/host/user-data";
import { testSettings } from "../helpers/settings";

/**
 * Issue 15 item 2: the alarms' host metrics exist. Each case GIVEN the rendered host command WHEN it
 * runs in bash with a fake `aws` (and `df`) on PATH THEN it sends the data point with the namespace,
 * metric, unit and dimension the alarm watches (modules/constructs/alerts.ts), bounded, and a failed
 * call never fails the boot, the watchdog or the guard. With alerts off (the default: no alarm
 * exists) the host renders no metric call at all.
 */
const s = testSettings({ region: "eu-west-1", alerts: ["ops@clawops.dev"] });
const c = hostContract(s);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "host-metrics-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fake command on PATH that appends its argv (one line, words joined by |) to calls.log and exits with `status`. */
function fake(name: string, status = 0, stdout = ""): void {
  writeFileSync(path.join(dir, name), `#!/bin/bash\n{ printf '%s' "${name}"; printf '|%s' "$@"; printf '\\n'; } >>"${dir}/calls.log"\n`
    + `${stdout ? `printf '%s\\n' ${JSON.stringify(stdout)}\n` : ""}exit ${status}\n`);
  chmodSync(path.join(dir, name), 0o755);
}
const calls = (): string[][] => {
  try {
    return readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n").filter(Boolean).map((l) => l.split("|"));
  } catch {
    return [];
  }
};
/** Runs bash in strict mode with an ERR trap (as the boot script does), the fakes first on PATH. */
function bash(script: string, env: Record<string, string> = {}) {
  return spawnSync("bash", ["-c", `set -euo pipefail\nset -o errtrace\ntrap 'echo ERR-TRAP >&2' ERR\n${script}`], {
    encoding: "utf8", cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...env },
  });
}

/** The argv of one put-metric-data call for a metric, as the host sends it. */
const putMetricData = (name: string, value: string, unit: string) => [
  "aws", "cloudwatch", "put-metric-data", ...AWS_CLI_BOUNDS.split(" "), "--region", "eu-west-1", "--namespace", "OpenClaw",
  "--metric-data", `MetricName=${name},Value=${value},Unit=${unit},Dimensions=[{Name=Environment,Value=test}]`,
];

describe("publish_metric", () => {
  test("sends one data point of OpenClaw/NAME with the environment's dimension, in the stack's region (no AWS_DEFAULT_REGION needed)", () => {
    fake("aws");
    const r = bash(`${publishMetricFunction(s)}\n${publishMetric("bootAbandoned", 1)}\necho after`, { AWS_DEFAULT_REGION: "" });
    expect(r.stdout).toBe("after\n");
    expect(calls()).toEqual([putMetricData("BootAbandoned", "1", "Count")]);
  });

  test("bounded: a call that hangs is ended after PUBLISH_METRIC_TIMEOUT_SECONDS (here shortened), and the caller goes on", () => {
    writeFileSync(path.join(dir, "aws"), "#!/bin/bash\nsleep 30\n");
    chmodSync(path.join(dir, "aws"), 0o755);
    const fn = publishMetricFunction(s);
    expect(fn).toContain(`timeout ${PUBLISH_METRIC_TIMEOUT_SECONDS} aws cloudwatch put-metric-data ${AWS_CLI_BOUNDS} `);
    const started = Date.now();
    const r = bash(`${fn.replace(`timeout ${PUBLISH_METRIC_TIMEOUT_SECONDS} `, "timeout 1 ")}\n${publishMetric("bootAbandoned", 1)}\necho after`);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "after\n" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("a failed call is one line on stderr; the caller goes on under set -e, and its ERR trap does not fire", () => {
    fake("aws", 255);
    const r = bash(`${publishMetricFunction(s)}\n${publishMetric("watchdogReplacement", 1)}\necho after`);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "after\n" });
    expect(r.stderr).toBe("could not publish the metric OpenClaw/WatchdogReplacement = 1 (ignored)\n");
  });

  test("every host metric's call names its metric and unit", () => {
    expect(publishMetric("dataVolumeUsage", '"$used"')).toBe('publish_metric DataVolumeUsedPercent "$used" Percent');
    for (const [key, metric] of Object.entries(HOST_METRICS)) {
      expect(publishMetric(key as keyof typeof HOST_METRICS, 1)).toBe(`publish_metric ${metric.name} 1 ${metric.unit}`);
    }
  });
});

describe("the boot's BootAbandoned data point (complete_launch)", () => {
  const run = (result: string) => bash(`log() { echo "$*" >&2; }\nINSTANCE_ID=i-0aaaaaaaaaaaaaaa1\n${completeLaunchFunction(s)}\ncomplete_launch ${result}\ncomplete_launch ${result}`);
  const lifecycle = (result: string) => ["aws", "autoscaling", "complete-lifecycle-action", ...AWS_CLI_BOUNDS.split(" "), "--lifecycle-hook-name", LAUNCH_HOOK.name,
    "--auto-scaling-group-name", "openclaw-test", "--instance-id", "i-0aaaaaaaaaaaaaaa1", "--lifecycle-action-result", result];

  test("ABANDON: 1, sent before the group hears of it (it terminates the instance next); once per run", () => {
    fake("aws");
    expect(run("ABANDON").status).toBe(0);
    expect(calls()).toEqual([putMetricData("BootAbandoned", "1", "Count"), lifecycle("ABANDON")]);
  });

  test("CONTINUE: 0 (the metric shows every launch's end)", () => {
    fake("aws");
    expect(run("CONTINUE").status).toBe(0);
    expect(calls()).toEqual([putMetricData("BootAbandoned", "0", "Count"), lifecycle("CONTINUE")]);
  });

  test("CloudWatch unreachable: the launch is still completed", () => {
    writeFileSync(path.join(dir, "aws"), `#!/bin/bash\n{ printf aws; printf '|%s' "$@"; printf '\\n'; } >>"${dir}/calls.log"\n[ "$1" != cloudwatch ]\n`);
    chmodSync(path.join(dir, "aws"), 0o755);
    const r = run("ABANDON");
    expect(r.status).toBe(0);
    expect(calls().map((call) => call[1])).toEqual(["cloudwatch", "autoscaling"]);
    expect(r.stderr).toContain("launch lifecycle action completed: ABANDON");
  });
});

describe("the watchdog's data points", () => {
  test("after it marks the instance Unhealthy (not before: the replacement comes first), WatchdogReplacement 1", () => {
    const script = watchdogTool(s, c);
    const health = script.indexOf("aws autoscaling set-instance-health");
    expect(health).toBeGreaterThan(0);
    expect(script.indexOf(publishMetric("watchdogReplacement", 1))).toBeGreaterThan(health);
    expect(script).toContain(`${publishMetricFunction(s)}\n`);
  });

  /** check_resources against a fake df and a memory.events file, with the watchdog's state directory. */
  const check = (usedPercent: number, events: { max: number; oom_kill: number }) => {
    fake("aws");
    fake("df", 0, `Use%\n ${usedPercent}%`);
    writeFileSync(path.join(dir, "memory.events"), `low 0\nhigh 12\nmax ${events.max}\noom 0\noom_kill ${events.oom_kill}\noom_group_kill 0\n`);
    return bash(`STATE_DIR=${dir} DATA_MOUNT=/opt/openclaw MEMORY_EVENTS=${dir}/memory.events
say() { echo "$*" >&2; }
${publishMetricFunction(s)}
${resourceCheckFunction()}
check_resources
echo after`);
  };
  const sent = () => calls().filter((call) => call[0] === "aws")
    .map((call) => /^MetricName=(\w+),Value=(\d+),/.exec(call[call.indexOf("--metric-data") + 1])!.slice(1));
  const age = (minutes: number) => {
    const then = new Date(Date.now() - minutes * 60_000);
    utimesSync(path.join(dir, "resources-published"), then, then);
  };

  test("all well (data volume under the threshold, no memory event): nothing is sent", () => {
    expect(check(DATA_VOLUME_ALERT_PERCENT - 1, { max: 0, oom_kill: 0 }).stdout).toBe("after\n");
    expect(sent()).toEqual([]);
    expect(calls()).toEqual([["df", "--output=pcent", "/opt/openclaw"]]);
  });

  test("a full data volume and new memory events are sent, then nothing for 5 minutes, then what changed", () => {
    const r = check(91, { max: 2, oom_kill: 1 });
    expect(r.stdout).toBe("after\n");
    expect(sent()).toEqual([["DataVolumeUsedPercent", "91"], ["GatewayMemoryPressure", "3"]]);
    expect(r.stderr).toContain("ALERT: the data volume /opt/openclaw is 91% full");
    rmSync(path.join(dir, "calls.log"));
    check(95, { max: 5, oom_kill: 1 });
    expect(calls()).toEqual([]); // within 5 minutes of the last data point: not even df
    age(6);
    rmSync(path.join(dir, "calls.log"), { force: true });
    check(50, { max: 5, oom_kill: 1 });
    expect(sent()).toEqual([["GatewayMemoryPressure", "3"]]); // 6 - 3 since the last data point; the volume is fine again
  });

  test("a lower memory-event count than the last one (a new boot's counters) counts from zero; CloudWatch down changes nothing", () => {
    check(10, { max: 4, oom_kill: 0 });
    age(6);
    rmSync(path.join(dir, "calls.log"));
    fake("df", 0, "Use%\n 10%");
    writeFileSync(path.join(dir, "memory.events"), "max 1\noom_kill 0\n");
    fake("aws", 255);
    const r = bash(`STATE_DIR=${dir} DATA_MOUNT=/opt/openclaw MEMORY_EVENTS=${dir}/memory.events
say() { echo "$*" >&2; }
${publishMetricFunction(s)}
${resourceCheckFunction()}
check_resources
echo after`);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "after\n" });
    expect(sent()).toEqual([["GatewayMemoryPressure", "1"]]);
    expect(r.stderr).toContain("could not publish the metric OpenClaw/GatewayMemoryPressure = 1 (ignored)");
  });

  test("no data mount, no memory.events file: nothing sent, no failure", () => {
    fake("aws");
    fake("df", 1);
    const r = bash(`STATE_DIR=${dir} DATA_MOUNT=/nowhere MEMORY_EVENTS=${dir}/none
say() { echo "$*" >&2; }
${publishMetricFunction(s)}
${resourceCheckFunction()}
check_resources
echo after`);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "after\n" });
    expect(sent()).toEqual([]);
  });
});

describe("the certificate guard's CertificateProblem data point", () => {
  test("the host's guard sends 1 in report() whenever the certificate is not OK, before it exits; a guard without alert sends nothing", () => {
    const script = certGuardTool(s, c);
    expect(script).toContain(`${publishMetricFunction(s)}\n`);
    const report = script.slice(script.indexOf("report() {"), script.indexOf("\n}\n", script.indexOf("report() {")));
    expect(report).toContain(`  if [ "$CERT" != OK ]; then ${publishMetric("certificateProblem", 1)}; fi\n`);
    expect(report.indexOf(publishMetric("certificateProblem", 1))).toBeLessThan(report.indexOf('exit "$code"'));
    const plain = renderCertGuard({ domain: "gw.example.com", publicAddressCommand: "true", stateDir: "/x", traefikUnit: "t" });
    expect(plain).not.toContain("publish_metric");
  });

  test("run against no TLS server (UNREACHABLE), the guard sends the data point and still exits with its own status", () => {
    fake("aws");
    fake("openssl", 1);
    const guard = renderCertGuard({
      domain: "gw.example.com", publicAddressCommand: "true", stateDir: dir, traefikUnit: "t", port: 1,
      alert: { functions: publishMetricFunction(s), command: publishMetric("certificateProblem", 1) },
    });
    writeFileSync(path.join(dir, "guard.sh"), guard);
    const r = spawnSync("bash", [path.join(dir, "guard.sh")], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^openclaw-cert-guard: UNREACHABLE cert=UNREACHABLE /);
    expect(calls().filter((call) => call[0] === "aws")).toEqual([putMetricData("CertificateProblem", "1", "Count")]);
  });
});

describe("alerts off (the default) or on: whether the host publishes at all", () => {
  /** Everything rendered onto a host: the user data's loader, the host script (steps, units, tools). */
  const rendered = (alerts: string[]) => {
    const u = renderUserData(testSettings({ region: "eu-west-1", alerts }));
    return `${u.script}\n${u.hostScript}`;
  };

  test("off: no publish_metric, no put-metric-data, no resource check anywhere on the host; the boot, watchdog and guard still work as before", () => {
    const host = rendered([]);
    expect(host).not.toContain("publish_metric");
    expect(host).not.toContain("put-metric-data");
    expect(host).not.toContain("check_resources");
    expect(host).toContain("complete_launch() {");
    expect(host).toContain("aws autoscaling set-instance-health");
    const off = testSettings({ region: "eu-west-1" });
    for (const script of [completeLaunchFunction(off), watchdogTool(off, hostContract(off)), certGuardTool(off, hostContract(off))]) {
      expect(script).not.toContain("publish_metric");
    }
  });

  test("on: each publisher defines publish_metric and calls it with every host metric", () => {
    const host = rendered(["ops@clawops.dev"]);
    expect(host).toContain(publishMetricFunction(s));
    for (const key of Object.keys(HOST_METRICS) as Array<keyof typeof HOST_METRICS>) {
      expect(host).toContain(`publish_metric ${HOST_METRICS[key].name} `);
    }
    expect(host).toContain("check_resources\n");
  });

  test("off, ABANDON: the launch is completed with no CloudWatch call", () => {
    fake("aws");
    const off = testSettings({ region: "eu-west-1" });
    const r = bash(`log() { echo "$*" >&2; }\nINSTANCE_ID=i-0aaaaaaaaaaaaaaa1\n${completeLaunchFunction(off)}\ncomplete_launch ABANDON`);
    expect(r.status).toBe(0);
    expect(calls().map((call) => call[1])).toEqual(["autoscaling"]);
  });
});
