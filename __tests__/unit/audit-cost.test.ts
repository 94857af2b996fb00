import { INSTANCE_FAMILIES, INSTANCE_SIZES, instanceTypeProblem } from "../../modules/settings/instance-types";
import { INSTANCE_HOURLY_USD, instanceHourlyUsd, PRICES_AS_OF } from "../../modules/review/pricing";
import { estimateMonthlyCost } from "../../modules/review/audit/cost";
import { addressOf, auditFixture } from "../helpers/audit-fixtures";

describe("the price table", () => {
  test("prices every instance type the settings accept, and nothing the settings reject", () => {
    const valid = Object.keys(INSTANCE_FAMILIES).flatMap((f) => INSTANCE_SIZES.map((s) => `${f}.${s}`))
      .filter((t) => instanceTypeProblem(t) === undefined);
    // AWS sells no t3/t3a/t4g.4xlarge although modules/settings/instance-types.ts accepts them: no price exists.
    const burstable4xl = ["t3.4xlarge", "t3a.4xlarge", "t4g.4xlarge"];
    const missing = valid.filter((t) => !(t in INSTANCE_HOURLY_USD));
    expect(missing.sort()).toEqual(burstable4xl.filter((t) => valid.includes(t)).sort());
    for (const t of Object.keys(INSTANCE_HOURLY_USD)) expect(instanceTypeProblem(t)).toBeUndefined();
  });

  test("is dated", () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test("an instance type without a price fails with a message that names it and the table", () => {
    expect(() => instanceHourlyUsd("x9.huge")).toThrow(/no price for instance type "x9.huge" in modules\/review\/pricing.ts/);
  });
});

describe("monthly cost estimate", () => {
  test("default deployment, per resource, matches the us-east-1 list prices in modules/review/pricing.ts", () => {
    const { input, stack } = auditFixture();
    const cost = estimateMonthlyCost(input);
    const line = (address: string, item: RegExp) => cost.lines.find((l) => l.address === address && item.test(l.item))!.monthlyUsd;
    expect(line(addressOf(stack.host.autoScalingGroup), /t4g\.small/)).toBe(12.26);
    expect(line(addressOf(stack.address.eip), /IPv4/)).toBe(3.65);
    expect(line(addressOf(stack.secrets.key), /key/)).toBe(1);
    expect(line(addressOf(stack.data.volume), /gp3 20 GB/)).toBe(1.6); // $0.08/GB-month
    expect(line(addressOf(stack.host.launchTemplate), /root gp3 12 GB/)).toBe(0.96);
    expect(line(addressOf(stack.data.volume), /snapshots: 7 kept/)).toBeGreaterThan(1); // at least one full copy at $0.05/GB
    // Alerts off by default: no alarm, no host metric (the topic and the notifications are free).
    expect(cost.lines.filter((l) => l.address.startsWith("aws_cloudwatch_metric_alarm."))).toEqual([]);
    expect(cost.totalUsd).toBeCloseTo(cost.lines.reduce((s, l) => s + l.monthlyUsd, 0), 2);
    expect(cost.totalUsd).toBeLessThanOrEqual(21); // issue 15 item 6: the default deployment's budget
    // eslint-disable-next-line no-console
    console.log(`default monthly cost: $${cost.totalUsd.toFixed(2)}`);
  });

  test("the artifacts bucket: its objects' storage and the host's config check's GETs (every interval of openclaw-apply-config.timer)", () => {
    const { input, stack } = auditFixture();
    const lines = estimateMonthlyCost(input).lines.filter((l) => l.address === addressOf(stack.artifacts.bucket));
    expect(lines).toHaveLength(1);
    // 730 h × 60 / 2 min = 21,900 GETs at $0.0004 per 1,000 ≈ $0.0088; a few hundred KB at $0.023/GB-month adds ≈ $0.00001.
    expect(lines[0].item).toMatch(/^S3 Standard: \d+ KB stored, 21,900 GET\/month \(openclaw-apply-config every 2min\)$/);
    expect(lines[0].monthlyUsd).toBe(0.01);
  });

  test("alerts on (an e-mail address): six alarms at $0.10 each on top of the default", () => {
    const { input, stack } = auditFixture(undefined, { alerts: ["ops@clawops.dev"] });
    const cost = estimateMonthlyCost(input);
    const alarms = cost.lines.filter((l) => l.address.startsWith("aws_cloudwatch_metric_alarm."));
    expect(alarms).toHaveLength(6); // $0.10 each; a custom metric sent ≤5 h a month adds $0.002
    expect(alarms.map((l) => l.monthlyUsd)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(alarms.filter((l) => /metric OpenClaw\//.test(l.item))).toHaveLength(5);
    const snapshotAlarm = addressOf(stack.alerts.alarms["snapshot-failed"]);
    expect(cost.lines.find((l) => l.address === snapshotAlarm)!.item).toBe("alarm"); // DLM's metric is AWS's: free
    const off = estimateMonthlyCost(auditFixture().input);
    expect(cost.totalUsd).toBeCloseTo(off.totalUsd + 0.6, 2);
  });

  test("follows the settings: t3.small and a 50 GB volume", () => {
    const { input } = auditFixture(undefined, { instanceType: "t3.small", dataVolumeSizeGiB: 50 });
    const cost = estimateMonthlyCost(input);
    expect(cost.lines.find((l) => /t3\.small/.test(l.item))!.monthlyUsd).toBe(15.18);
    expect(cost.lines.find((l) => l.item === "gp3 50 GB")!.monthlyUsd).toBe(4);
  });

  test("fails when the synthesized launch template names an instance type without a price", () => {
    const { input } = auditFixture((s) => s.host.launchTemplate.addOverride("instance_type", "u-24tb1.112xlarge"));
    expect(() => estimateMonthlyCost(input)).toThrow(/no price for instance type "u-24tb1.112xlarge"/);
  });
});
