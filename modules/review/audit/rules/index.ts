import { AuditRule } from "../types";
import { AlarmCoverage } from "./AlarmCoverage";
import { AutoScalingGroupMultipleAvailabilityZones } from "./AutoScalingGroupMultipleAvailabilityZones";
import { AutoScalingGroupTerminatesBeforeLaunch } from "./AutoScalingGroupTerminatesBeforeLaunch";
import { AutoScalingGroupUsesLaunchTemplate } from "./AutoScalingGroupUsesLaunchTemplate";
import { DataVolumeEncryptedWithCustomerKey } from "./DataVolumeEncryptedWithCustomerKey";
import { DataVolumeProtectedFromDestroy } from "./DataVolumeProtectedFromDestroy";
import { DataVolumeSnapshotted } from "./DataVolumeSnapshotted";
import { DefaultSecurityGroupClosed } from "./DefaultSecurityGroupClosed";
import { HostRoleBoundary } from "./HostRoleBoundary";
import { IamNoWildcardActions } from "./IamNoWildcardActions";
import { IamNoWildcardResources } from "./IamNoWildcardResources";
import { KmsKeyRotationEnabled } from "./KmsKeyRotationEnabled";
import { LaunchTemplateIMDSv2Required } from "./LaunchTemplateIMDSv2Required";
import { LaunchTemplateMetadataHopLimitOne } from "./LaunchTemplateMetadataHopLimitOne";
import { LaunchTemplateRootVolumeEncrypted } from "./LaunchTemplateRootVolumeEncrypted";
import { NoPublicIpOnInstances } from "./NoPublicIpOnInstances";
import { NoSecretsInConfiguration } from "./NoSecretsInConfiguration";
import { SecurityGroupEgressRestricted } from "./SecurityGroupEgressRestricted";
import { SecurityGroupHttpsNotOpenToWorld } from "./SecurityGroupHttpsNotOpenToWorld";
import { SecurityGroupNoRemoteAdminPorts } from "./SecurityGroupNoRemoteAdminPorts";
import { SecurityGroupNoWorldIngressExceptHttps } from "./SecurityGroupNoWorldIngressExceptHttps";
import { SsmParameterSecureStringCustomerKey } from "./SsmParameterSecureStringCustomerKey";
import { SsmParameterValueNotInTerraform } from "./SsmParameterValueNotInTerraform";
import { VpcFlowLogsEnabled } from "./VpcFlowLogsEnabled";

/** The rule pack, grouped by what the rules protect; the catalogue (docs/audit-rules.md) is rendered from it. */
export const RULES: readonly AuditRule[] = [
  // Host
  LaunchTemplateIMDSv2Required,
  LaunchTemplateMetadataHopLimitOne,
  LaunchTemplateRootVolumeEncrypted,
  AutoScalingGroupUsesLaunchTemplate,
  AutoScalingGroupTerminatesBeforeLaunch,
  AutoScalingGroupMultipleAvailabilityZones,
  NoPublicIpOnInstances,
  // Data
  DataVolumeEncryptedWithCustomerKey,
  DataVolumeSnapshotted,
  DataVolumeProtectedFromDestroy,
  // Secrets
  SsmParameterSecureStringCustomerKey,
  SsmParameterValueNotInTerraform,
  KmsKeyRotationEnabled,
  NoSecretsInConfiguration,
  // Network
  SecurityGroupNoWorldIngressExceptHttps,
  SecurityGroupNoRemoteAdminPorts,
  SecurityGroupHttpsNotOpenToWorld,
  SecurityGroupEgressRestricted,
  DefaultSecurityGroupClosed,
  VpcFlowLogsEnabled,
  // Identity
  IamNoWildcardActions,
  IamNoWildcardResources,
  HostRoleBoundary,
  // Operations
  AlarmCoverage,
];
