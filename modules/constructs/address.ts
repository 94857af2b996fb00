import { Construct } from "constructs";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { ENVIRONMENT_TAG, ROLE_TAG } from "../names";
import { Grantee, onOwnInstance, IamStatement, unscoped } from "./grants";

export interface GatewayAddressProps {
  /** Name prefix. */
  readonly prefix: string;
  /** Environment name; the host finds its address by this tag and associates it at boot. */
  readonly environment: string;
  /** Public DNS name of the gateway. */
  readonly domainName: string;
  /** When set, an A record for domainName in this Route53 zone. @default no record */
  readonly hostedZoneId?: string;
}

/** The Elastic IP the host associates to itself at every boot, and its optional DNS record. */
export class GatewayAddress extends Construct {
  readonly eip: Eip;
  readonly record?: Route53Record;

  constructor(scope: Construct, id: string, props: GatewayAddressProps) {
    super(scope, id);
    this.eip = new Eip(this, "eip", {
      domain: "vpc",
      tags: { Name: props.prefix, [ENVIRONMENT_TAG]: props.environment, [ROLE_TAG]: "address" },
    });
    if (props.hostedZoneId) {
      this.record = new Route53Record(this, "dns", {
        zoneId: props.hostedZoneId,
        name: props.domainName,
        type: "A",
        ttl: 300,
        records: [this.eip.publicIp],
      });
    }
  }

  /**
   * What the host needs to associate the address to itself at boot: the address, its own instance,
   * its network interface in the public subnet, and finding the address by its tags.
   * @param subnetArn ARN of the subnet the host's network interface is in
   */
  grantAssociate(host: Grantee, subnetArn: string): IamStatement[] {
    return [
      onOwnInstance(host, ["ec2:AssociateAddress"]),
      { Sid: "AssociateGatewayAddress", Effect: "Allow", Action: ["ec2:AssociateAddress"], Resource: [this.eip.arn] },
      { Sid: "AssociateAddressInSubnet", Effect: "Allow", Action: ["ec2:AssociateAddress"],
        Resource: [`arn:aws:ec2:${host.region}:*:network-interface/*`],
        Condition: { StringEquals: { "ec2:Subnet": subnetArn } } },
      unscoped(["ec2:DescribeAddresses"]),
    ];
  }
}
