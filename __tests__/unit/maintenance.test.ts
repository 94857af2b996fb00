import { Testing } from "cdktf";
import { OpenClawStack } from "../../modules/stack";
import { maintenanceWindowProblem, resolveEnvironment, timeZoneProblem } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

/**
 * OS patching (issue 12, point 3): in the maintenance window an EventBridge Scheduler schedule
 * starts the rollout runbook in mode "patch" (constructs/rollout.ts: a template version with the
 * newest AMI id, rolled out by an instance refresh that rolls back by itself).
 */
function synth(overrides: Parameters<typeof testSettings>[0] = {}) {
  const parsed = JSON.parse(Testing.synth(new OpenClawStack(Testing.app(), testSettings(overrides))));
  const all = (type: string): Record<string, any>[] => Object.values(parsed.resource?.[type] ?? {});
  return { all };
}

describe("the maintenance window replaces the host from the newest AMI", () => {
  test("default: Sundays 04:00 UTC, the rollout runbook in mode patch; the schedule's role starts that runbook and passes its role only", () => {
    const { all } = synth();
    const [schedule] = all("aws_scheduler_schedule");
    expect(all("aws_scheduler_schedule")).toHaveLength(1);
    expect(schedule).toMatchObject({
      name: "openclaw-test-patch",
      schedule_expression: "cron(0 4 ? * SUN *)",
      schedule_expression_timezone: "UTC",
      flexible_time_window: { mode: "OFF" },
    });
    expect(schedule.target.arn).toBe("arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution");
    expect(JSON.parse(schedule.target.input)).toEqual({ DocumentName: "openclaw-test-rollout", Parameters: { Mode: ["patch"] } });
    expect(all("aws_ssm_document").find((d) => d.name === "openclaw-test-rollout")).toMatchObject({ document_type: "Automation" });
    const role = all("aws_iam_role").find((r) => r.name === "openclaw-test-patch")!;
    expect(schedule.target.role_arn).toMatch(/^\$\{aws_iam_role\.maintenance_role_.*\.arn\}$/);
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    expect(JSON.parse(role.inline_policy[0].policy).Statement).toEqual([
      { Effect: "Allow", Action: "ssm:StartAutomationExecution", Resource: "arn:aws:ssm:us-east-1:*:automation-definition/openclaw-test-rollout:*" },
      {
        Effect: "Allow", Action: "iam:PassRole", Resource: expect.stringMatching(/^\$\{aws_iam_role\.rollout_role_.*\.arn\}$/),
        Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
      },
    ]);
  });

  test("the window and its time zone follow the settings", () => {
    const [schedule] = synth({ maintenanceWindow: "cron(30 2 ? * TUE,FRI *)", maintenanceTimeZone: "Europe/Berlin" }).all("aws_scheduler_schedule");
    expect(schedule).toMatchObject({ schedule_expression: "cron(30 2 ? * TUE,FRI *)", schedule_expression_timezone: "Europe/Berlin" });
  });

  test("only at-least-weekly windows are accepted: a fixed time on some weekdays", () => {
    for (const ok of ["cron(0 4 ? * SUN *)", "cron(59 23 ? * * *)", "cron(0 3 ? * MON-FRI *)", "cron(15 1 ? * SAT,SUN *)"]) {
      expect(maintenanceWindowProblem(ok)).toBeUndefined();
    }
    for (const bad of ["cron(0 4 1 * ? *)", "cron(0 4 ? 1 SUN *)", "cron(60 4 ? * SUN *)", "cron(0 24 ? * SUN *)", "rate(30 days)",
      "cron(0 4 ? * SUN#1 *)", "", 7]) {
      expect(maintenanceWindowProblem(bad)).toMatch(/at least weekly/);
    }
    expect(timeZoneProblem("Europe/Berlin")).toBeUndefined();
    expect(timeZoneProblem("Mars/Olympus")).toMatch(/IANA time zone/);
    const { problems } = resolveEnvironment({ environment: "test", domainName: "gateway.clawops.dev", acmeEmail: "ops@clawops.dev", maintenanceWindow: "cron(0 4 1 * ? *)" });
    expect(problems).toEqual([expect.objectContaining({ setting: "maintenanceWindow" })]);
  });
});
