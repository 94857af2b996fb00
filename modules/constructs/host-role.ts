import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { ENVIRONMENT_TAG } from "../names";

export interface HostRoleProps {
  /** Name prefix of the role, policy and instance profile. */
  readonly prefix: string;
  /** Environment name; instance-scoped actions require the instance to carry this tag. */
  readonly environment: string;
  /** Region of the stack (KMS via-service conditions, ARN patterns). */
  readonly region: string;
  /** Name of the Auto Scaling group the host belongs to (SetInstanceHealth). */
  readonly autoScalingGroupName: string;
  /** ARN of the gateway token parameter (read and write). */
  readonly gatewayTokenParameterArn: string;
  /** ARN of the Anthropic API key parameter (read only). */
  readonly apiKeyParameterArn: string;
  /** ARN of the customer KMS key of the parameters and the data volume. */
  readonly kmsKeyArn: string;
  /** ARN of the data volume (AttachVolume). */
  readonly dataVolumeArn: string;
  /** ARN of the Elastic IP (AssociateAddress). */
  readonly addressArn: string;
  /** ARN of the public subnet (network interface of AssociateAddress). */
  readonly subnetArn: string;
}

type Statement = { Sid: string; Effect: "Allow"; Action: string[]; Resource: string[]; Condition?: object };

/**
 * The host's identity: SSM core (Session Manager, Run Command) plus an inline policy that allows
 * exactly what the boot script and the watchdog do, each action scoped to the resource's ARN.
 */
export class HostRole extends Construct {
  readonly role: IamRole;
  readonly instanceProfile: IamInstanceProfile;
  readonly policy: IamRolePolicy;
  /** The inline policy's statements (exposed for tests and the audit). */
  readonly statements: Statement[];

  constructor(scope: Construct, id: string, props: HostRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: `${props.prefix}-host`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "ssm-core", {
      role: this.role.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    });
    const ownInstances = `arn:aws:ec2:${props.region}:*:instance/*`;
    const taggedForEnvironment = { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: props.environment } };
    this.statements = [
      { Sid: "ReadGatewaySecrets", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: [props.gatewayTokenParameterArn, props.apiKeyParameterArn] },
      { Sid: "StoreGeneratedGatewayToken", Effect: "Allow", Action: ["ssm:PutParameter"],
        Resource: [props.gatewayTokenParameterArn] },
      { Sid: "UseSecretsKeyThroughSsm", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        Resource: [props.kmsKeyArn], Condition: { StringEquals: { "kms:ViaService": `ssm.${props.region}.amazonaws.com` } } },
      { Sid: "UseDataVolumeKeyThroughEc2", Effect: "Allow",
        Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"],
        Resource: [props.kmsKeyArn], Condition: { StringEquals: { "kms:ViaService": `ec2.${props.region}.amazonaws.com` } } },
      { Sid: "AttachDataVolume", Effect: "Allow", Action: ["ec2:AttachVolume"], Resource: [props.dataVolumeArn] },
      { Sid: "AttachToOwnInstance", Effect: "Allow", Action: ["ec2:AttachVolume", "ec2:AssociateAddress"],
        Resource: [ownInstances], Condition: taggedForEnvironment },
      { Sid: "AssociateGatewayAddress", Effect: "Allow", Action: ["ec2:AssociateAddress"],
        Resource: [props.addressArn] },
      { Sid: "AssociateAddressInSubnet", Effect: "Allow", Action: ["ec2:AssociateAddress"],
        Resource: [`arn:aws:ec2:${props.region}:*:network-interface/*`],
        Condition: { StringEquals: { "ec2:Subnet": props.subnetArn } } },
      { Sid: "ReportOwnHealth", Effect: "Allow", Action: ["autoscaling:SetInstanceHealth"],
        Resource: [`arn:aws:autoscaling:${props.region}:*:autoScalingGroup:*:autoScalingGroupName/${props.autoScalingGroupName}`] },
      // Describe* calls support no resource-level permissions; the host needs them to find its volume and address.
      { Sid: "FindVolumeAndAddress", Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DescribeAddresses"], Resource: ["*"] },
    ];
    this.policy = new IamRolePolicy(this, "policy", {
      name: `${props.prefix}-host`,
      role: this.role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: this.statements }),
    });
    this.instanceProfile = new IamInstanceProfile(this, "instance-profile", {
      name: `${props.prefix}-host`,
      role: this.role.name,
    });
  }
}
