import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";

export interface MaintenanceScheduleProps {
  /** Name prefix of the schedule and its role. */
  readonly prefix: string;
  /** The Auto Scaling group whose instance is replaced. */
  readonly autoScalingGroupName: string;
  readonly autoScalingGroupArn: string;
  /** EventBridge Scheduler expression, `cron(M H ? * DAYS *)` (the setting `maintenanceWindow`). */
  readonly scheduleExpression: string;
  /** IANA time zone of the expression (the setting `maintenanceTimeZone`). */
  readonly timeZone: string;
  /** Seconds a new instance gets before the refresh counts it healthy (the group's grace period). */
  readonly instanceWarmupSeconds: number;
}

/**
 * OS patching without an operator: in the maintenance window an EventBridge Scheduler schedule
 * calls autoscaling:StartInstanceRefresh (its universal target for AWS SDK calls), so the group
 * replaces its instance with one launched from the newest AMI (the launch template resolves the
 * AMI's SSM parameter at every launch). The data volume, the Elastic IP and the installed runtimes
 * carry over, and every window re-proves the replacement path. SkipMatching is false: the
 * configuration is unchanged, the instance is replaced anyway. A refresh already in progress makes
 * the call fail, and the schedule does not retry (the next window does).
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
      // One action on this group only.
      inlinePolicy: [{
        name: "start-instance-refresh",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "autoscaling:StartInstanceRefresh", Resource: props.autoScalingGroupArn }],
        }),
      }],
    });
    this.schedule = new SchedulerSchedule(this, "schedule", {
      name,
      description: "OpenClaw: replace the gateway host with one from the newest AMI (OS security updates)",
      scheduleExpression: props.scheduleExpression,
      scheduleExpressionTimezone: props.timeZone,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: "arn:aws:scheduler:::aws-sdk:autoscaling:startInstanceRefresh",
        roleArn: this.role.arn,
        input: JSON.stringify(refreshRequest(props)),
        retryPolicy: { maximumRetryAttempts: 0 },
      },
    });
  }
}

/** The StartInstanceRefresh request: replace the one instance even though nothing changed, terminate first (the volume moves). */
export function refreshRequest(props: Pick<MaintenanceScheduleProps, "autoScalingGroupName" | "instanceWarmupSeconds">): object {
  return {
    AutoScalingGroupName: props.autoScalingGroupName,
    Strategy: "Rolling",
    Preferences: { MinHealthyPercentage: 0, MaxHealthyPercentage: 100, InstanceWarmup: props.instanceWarmupSeconds, SkipMatching: false },
  };
}
