import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SsmAssociation } from "@cdktf/provider-aws/lib/ssm-association";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { ITerraformDependable, Token } from "cdktf";

/**
 * Rollouts with automatic rollback: every replacement of the gateway host (a deploy that changed
 * the launch template, the weekly OS patch, an operator's "patch now") is ONE mechanism, an SSM
 * Automation runbook that calls StartInstanceRefresh with a desired configuration (the launch
 * template at a concrete version) and AutoRollback. Why not Terraform's instance_refresh block:
 * the AWS provider updates the group's launch template version (UpdateAutoScalingGroup) BEFORE it
 * starts the refresh, so auto_rollback would "roll back" to the new version
 * (hashicorp/terraform-provider-aws#34189, open; resourceGroupUpdate in
 * internal/service/autoscaling/group.go, read 2026-11-30). AWS rolls back only to a numbered
 * version whose image is an AMI id, not `resolve:ssm:` nor $Latest/$Default ("Undo changes with a
 * manual or auto rollback", Amazon EC2 Auto Scaling User Guide,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html;
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html, read
 * 2026-11-30): the launch template therefore carries the AMI id resolved at plan time
 * (constructs/host.ts) and the group moves to a new version only through this runbook.
 *
 * A rollback is triggered by a failed refresh: a replacement whose boot fails abandons its launch
 * (the lifecycle hook, default result ABANDON), the refresh fails, and AWS replaces the instance
 * with one from the group's configuration before the refresh (the previous version).
 */

/** The runbook's two modes. */
export type RolloutMode = "deploy" | "patch";

/** Everything the runbook and its role are built from (Terraform references are fine). */
export interface RolloutTarget {
  /** Name of the Auto Scaling group. */
  readonly autoScalingGroupName: string;
  /** ARN of the Auto Scaling group. */
  readonly autoScalingGroupArn: string;
  /** Id of the launch template (`lt-…`). */
  readonly launchTemplateId: string;
  /** ARN of the launch template. */
  readonly launchTemplateArn: string;
  /** ARN of the host's IAM role (the template's instance profile holds it). */
  readonly hostRoleArn: string;
  /** AWS public SSM parameter with the newest AMI id of the host's OS and architecture. */
  readonly imageParameterName: string;
  /** Region of the stack (the public parameter's ARN names it). */
  readonly region: string;
  /** Seconds a new instance gets before the refresh counts it healthy (the group's grace period). */
  readonly instanceWarmupSeconds: number;
}

export interface RolloutProps extends RolloutTarget {
  /** Name prefix of the document and its role. */
  readonly prefix: string;
  /** The launch template's latest version: each new one starts one deploy rollout. */
  readonly launchTemplateLatestVersion: number;
  /** Resources the deploy rollout waits for (the group: it refreshes it). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The StartInstanceRefresh request of both modes: terminate first (MinHealthyPercentage 0, the
 * data volume allows one instance), a desired configuration with a concrete template version, and
 * AutoRollback. SkipMatching: a deploy skips an instance that already runs that version (the
 * first deploy's instance, or a re-run after the maintenance window); the patch replaces it anyway.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html and
 * API_RefreshPreferences.html (read 2026-11-30).
 */
export function refreshRequest(t: Pick<RolloutTarget, "autoScalingGroupName" | "launchTemplateId" | "instanceWarmupSeconds">, version: string, skipMatching: boolean): Record<string, unknown> {
  return {
    AutoScalingGroupName: t.autoScalingGroupName,
    Strategy: "Rolling",
    DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: t.launchTemplateId, Version: version } },
    Preferences: {
      MinHealthyPercentage: 0,
      MaxHealthyPercentage: 100,
      InstanceWarmup: t.instanceWarmupSeconds,
      SkipMatching: skipMatching,
      AutoRollback: true,
    },
  };
}

/** One aws:executeAwsApi step (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeAwsApi.html, read 2026-11-30). */
function apiStep(name: string, service: string, api: string, inputs: Record<string, unknown>, outputs: Array<[string, string]> = [], isEnd = false): object {
  return {
    name,
    action: "aws:executeAwsApi",
    inputs: { Service: service, Api: api, ...inputs },
    ...(outputs.length > 0 ? { outputs: outputs.map(([n, selector]) => ({ Name: n, Selector: selector, Type: "String" })) } : {}),
    ...(isEnd ? { isEnd: true } : {}),
  };
}

/**
 * The runbook (Automation, schema 0.3). Mode "deploy" refreshes to LaunchTemplateVersion. Mode
 * "patch" reads the newest AMI id from the public parameter, creates a template version from the
 * latest one with only ImageId changed, makes it the default (so Terraform's view of the template,
 * which reads the latest version, and its update_default_version stay consistent), and refreshes
 * to it, replacing the instance even when the image did not change (every window re-proves the
 * replacement path).
 */
export function rolloutDocument(t: RolloutTarget, assumeRoleArn: string): object {
  return {
    schemaVersion: "0.3",
    description: "OpenClaw: replace the gateway host through an instance refresh that rolls back by itself when the new host fails",
    assumeRole: assumeRoleArn,
    parameters: {
      Mode: { type: "String", allowedValues: ["deploy", "patch"], default: "deploy", description: "deploy: roll out LaunchTemplateVersion; patch: roll out a new version with the newest AMI" },
      LaunchTemplateVersion: { type: "String", allowedPattern: "^([1-9][0-9]{0,8})?$", default: "", description: "Launch template version to roll out (mode deploy)" },
    },
    mainSteps: [
      { name: "chooseMode", action: "aws:branch", inputs: { Choices: [{ NextStep: "readTemplate", Variable: "{{Mode}}", StringEquals: "patch" }], Default: "deploy" } },
      apiStep("deploy", "autoscaling", "StartInstanceRefresh", refreshRequest(t, "{{LaunchTemplateVersion}}", true), [["InstanceRefreshId", "$.InstanceRefreshId"]], true),
      apiStep("readTemplate", "ec2", "DescribeLaunchTemplates", { LaunchTemplateIds: [t.launchTemplateId] }, [["LatestVersion", "$.LaunchTemplates[0].LatestVersionNumber"]]),
      apiStep("readNewestImage", "ssm", "GetParameter", { Name: t.imageParameterName }, [["ImageId", "$.Parameter.Value"]]),
      apiStep("createVersion", "ec2", "CreateLaunchTemplateVersion", {
        LaunchTemplateId: t.launchTemplateId,
        SourceVersion: "{{readTemplate.LatestVersion}}",
        VersionDescription: "OpenClaw maintenance window: newest AMI",
        LaunchTemplateData: { ImageId: "{{readNewestImage.ImageId}}" },
      }, [["Version", "$.LaunchTemplateVersion.VersionNumber"]]),
      apiStep("makeDefault", "ec2", "ModifyLaunchTemplate", { LaunchTemplateId: t.launchTemplateId, DefaultVersion: "{{createVersion.Version}}" }),
      apiStep("patch", "autoscaling", "StartInstanceRefresh", refreshRequest(t, "{{createVersion.Version}}", false), [["InstanceRefreshId", "$.InstanceRefreshId"]], true),
    ],
  };
}

/**
 * An AWS public parameter's ARN, for a policy. GetParameter reports these without an account id
 * (`arn:aws:ssm:<region>::parameter/aws/service/…`); `*` matches that empty field, and no account
 * can own a parameter under /aws (names may not begin with "aws": PutParameter, AWS Systems
 * Manager API Reference, read 2026-11-30), so this names AWS's parameter only.
 */
export const publicParameterArn = (region: string, name: string): string => `arn:aws:ssm:${region}:*:parameter${name}`;

/**
 * The runbook role's permissions: this group, this template, the host role, nothing else.
 * StartInstanceRefresh with a desired configuration checks that the caller may use the launch
 * template like a launch would (ec2:RunInstances on it, ec2:CreateTags for its tag
 * specifications, iam:PassRole for its instance profile's role; "Control Amazon EC2 launch
 * template usage in Auto Scaling groups", Amazon EC2 Auto Scaling User Guide,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html,
 * read 2026-11-30). RunInstances is limited to this region and, by the ec2:LaunchTemplate
 * condition key, to launches from this template; tags only at launch (ec2:CreateAction). The
 * Describe actions support no resource-level permissions.
 */
export function rolloutPolicy(t: RolloutTarget): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RefreshThisGroup", Effect: "Allow", Action: "autoscaling:StartInstanceRefresh", Resource: t.autoScalingGroupArn },
      { Sid: "VersionThisTemplate", Effect: "Allow", Action: ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"], Resource: t.launchTemplateArn },
      { Sid: "DescribeTemplates", Effect: "Allow", Action: ["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"], Resource: "*" },
      { Sid: "ReadNewestImage", Effect: "Allow", Action: "ssm:GetParameter", Resource: publicParameterArn(t.region, t.imageParameterName) },
      {
        Sid: "UseThisTemplate", Effect: "Allow", Action: "ec2:RunInstances",
        Resource: [`arn:aws:ec2:${t.region}:*:*`, `arn:aws:ec2:${t.region}::image/*`],
        Condition: { ArnEquals: { "ec2:LaunchTemplate": t.launchTemplateArn } },
      },
      {
        Sid: "TagAtLaunch", Effect: "Allow", Action: "ec2:CreateTags",
        Resource: [`arn:aws:ec2:${t.region}:*:instance/*`, `arn:aws:ec2:${t.region}:*:volume/*`],
        Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } },
      },
      { Sid: "PassHostRole", Effect: "Allow", Action: "iam:PassRole", Resource: t.hostRoleArn, Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } },
    ],
  };
}

/**
 * StartAutomationExecution's resource, every version of the runbook:
 * `arn:aws:ssm:<region>:<account>:automation-definition/<name>:<version>` (Service Authorization
 * Reference, AWS Systems Manager, resource type automation-definition, read 2026-11-30). The
 * account is left out (`*`): a role starts automations only in its own account, and the plan
 * needs no account id lookup.
 */
export const automationDefinitionArn = (region: string, documentName: string): string =>
  `arn:aws:ssm:${region}:*:automation-definition/${documentName}:*`;

/**
 * The runbook, its role, and the deploy trigger: a State Manager association of the runbook whose
 * parameters carry the launch template's latest version. Creating the association runs it once;
 * an update runs it again immediately (apply_only_at_cron_interval false, the default; no
 * schedule: "By default, when you update an association, the system runs it immediately after it
 * is updated", UpdateAssociation ApplyOnlyAtCronInterval, AWS Systems Manager API Reference, read
 * 2026-11-30), and the AWS provider updates it in place (parameters is not ForceNew;
 * internal/service/ssm/association.go). So each new template version Terraform creates is rolled
 * out exactly once, and a plan that does not touch the template does not touch the host.
 */
export class Rollout extends Construct {
  readonly document: SsmDocument;
  readonly role: IamRole;
  readonly association: SsmAssociation;
  /** The runbook's name (`<prefix>-rollout`). */
  readonly documentName: string;

  constructor(scope: Construct, id: string, props: RolloutProps) {
    super(scope, id);
    this.documentName = `${props.prefix}-rollout`;
    this.role = new IamRole(this, "role", {
      name: this.documentName,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      inlinePolicy: [{ name: "rollout", policy: JSON.stringify(rolloutPolicy(props)) }],
    });
    this.document = new SsmDocument(this, "document", {
      name: this.documentName,
      documentType: "Automation",
      documentFormat: "JSON",
      content: JSON.stringify(rolloutDocument(props, this.role.arn), null, 2),
    });
    this.association = new SsmAssociation(this, "deploy", {
      name: this.document.name,
      associationName: `${props.prefix}-deploy`,
      parameters: { Mode: "deploy", LaunchTemplateVersion: Token.asString(props.launchTemplateLatestVersion) },
      applyOnlyAtCronInterval: false,
      dependsOn: props.dependsOn,
    });
  }
}
