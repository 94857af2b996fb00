import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { automationDefinitionArn, RolloutMode } from "./rollout";

export interface MaintenanceScheduleProps {
  /** Name prefix of the schedule and its role. */
  readonly prefix: string;
  /** Name of the rollout runbook (constructs/rollout.ts). */
  readonly rolloutDocumentName: string;
  /** Region of the stack. */
  readonly region: string;
  /** ARN of the role the runbook runs as (the schedule passes it to Systems Manager). */
  readonly rolloutRoleArn: string;
  /** EventBridge Scheduler expression, `cron(M H ? * DAYS *)` (the setting `maintenanceWindow`). */
  readonly scheduleExpression: string;
  /** IANA time zone of the expression (the setting `maintenanceTimeZone`). */
  readonly timeZone: string;
}

/**
 * OS patching without an operator: in the maintenance window an EventBridge Scheduler schedule
 * calls ssm:StartAutomationExecution (its universal target for AWS SDK calls) with the rollout
 * runbook in mode "patch": a new launch template version with the newest AMI id of the host's OS,
 * rolled out by an instance refresh that rolls back by itself if the new host fails
 * (constructs/rollout.ts). The data volume, the Elastic IP and the installed runtimes carry over,
 * and every window re-proves the replacement path. A refresh already in progress makes the
 * runbook fail, and the schedule does not retry (the next window does).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html (2026-11-30)
 */
export class MaintenanceSchedule extends Construct {
  readonly schedule: SchedulerSchedule;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: MaintenanceScheduleProps) {
    super(scope, id);
    const name = `${props.prefix}-patch`;
    this.role = new IamRole(this, "role", {
      name,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      // Start this runbook only, and hand Systems Manager the runbook's own role (its assumeRole).
      inlinePolicy: [{
        name: "start-rollout",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "ssm:StartAutomationExecution", Resource: automationDefinitionArn(props.region, props.rolloutDocumentName) },
            { Effect: "Allow", Action: "iam:PassRole", Resource: props.rolloutRoleArn, Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } } },
          ],
        }),
      }],
    });
    this.schedule = new SchedulerSchedule(this, "schedule", {
      name,
      description: "OpenClaw: replace the gateway host with one from the newest AMI (OS security updates), rolled back if it fails",
      scheduleExpression: props.scheduleExpression,
      scheduleExpressionTimezone: props.timeZone,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution",
        roleArn: this.role.arn,
        input: JSON.stringify(automationRequest(props.rolloutDocumentName, "patch")),
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });
  }
}

/** The StartAutomationExecution request of the rollout runbook in one mode (parameters are string lists in that API). */
export function automationRequest(documentName: string, mode: RolloutMode): object {
  return { DocumentName: documentName, Parameters: { Mode: [mode] } };
}
