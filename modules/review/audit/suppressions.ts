import { Suppression } from "./types";

/**
 * By-design deviations of this project, each with the reason a reviewer reads in every report.
 * A suppression is narrow: one rule, named constructs (paths below the stack). Anything else the
 * rule finds stays open, and a path that matches no finding is reported as stale.
 */
export const SUPPRESSIONS: readonly Suppression[] = [
  {
    ruleId: "NoPublicIpOnInstances",
    paths: ["network/public-subnet", "host/launch-template"],
    reason: "No NAT gateway (it would double the monthly cost): the host needs a public address to reach AWS APIs " +
      "until it associates its Elastic IP; the security group admits only 443 and no SSH.",
  },
  {
    ruleId: "AutoScalingGroupMultipleAvailabilityZones",
    paths: ["host/auto-scaling-group"],
    reason: "Single AZ by design: the data volume is bound to one AZ, so a host in another AZ could not attach it; " +
      "the group of one exists to replace a failed host in that AZ.",
  },
  {
    ruleId: "SecurityGroupHttpsNotOpenToWorld",
    paths: ["host/https-in-*"],
    reason: "allowedCidrs defaults to 0.0.0.0/0: clients roam, Let's Encrypt's TLS-ALPN-01 validation comes from " +
      "undisclosed addresses, and the gateway requires a token plus device pairing. Narrow allowedCidrs when you can.",
  },
  {
    ruleId: "VpcFlowLogsEnabled",
    paths: ["network/vpc"],
    reason: "Flow logs are not part of the default deployment (CloudWatch ingestion costs more than the rest of the " +
      "stack for a busy host); the only way in is 443 to Traefik, which logs every request in its access log (JSON, " +
      "Authorization and Cookie dropped) in the host's journal (modules/host/traefik.ts ACCESS_LOG).",
  },
  {
    ruleId: "IamNoWildcardResources",
    paths: ["host-role/policy"],
    messageMatches: /statement SsmAgentHeartbeat allows ssm:UpdateInstanceInformation on "\*"/,
    reason: "The SSM agent's heartbeat: its resource type is optional (a request may name no instance), and AWS's own " +
      "minimal Session Manager instance policy grants it on \"*\"; it only registers the calling instance as managed.",
  },
];
