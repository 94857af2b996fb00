import { Construct } from "constructs";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";

export interface NetworkProps {
  /** Name prefix for the Name tags. */
  readonly prefix: string;
  /** IPv4 CIDR of the VPC. */
  readonly vpcCidr: string;
  /** CIDR of the single public subnet (inside vpcCidr). */
  readonly subnetCidr: string;
  /** Availability zone of the subnet; the host and its data volume live there too. */
  readonly availabilityZone: string;
}

/**
 * A VPC with one public subnet in one AZ, an internet gateway and a default route.
 * No NAT gateway (it would double the monthly cost); the VPC's default security group is emptied.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnet: Subnet;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.prefix },
    });
    // No rules at all: nothing can use the default group by accident (CKV2_AWS_12).
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.prefix}-default-unused` },
    });
    const internetGateway = new InternetGateway(this, "internet-gateway", {
      vpcId: this.vpc.id,
      tags: { Name: props.prefix },
    });
    this.publicSubnet = new Subnet(this, "public-subnet", {
      vpcId: this.vpc.id,
      cidrBlock: props.subnetCidr,
      availabilityZone: props.availabilityZone,
      // The host needs a public address to reach AWS APIs before it associates its Elastic IP.
      mapPublicIpOnLaunch: true,
      tags: { Name: `${props.prefix}-public` },
    });
    const routeTable = new RouteTable(this, "public-routes", {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
      tags: { Name: `${props.prefix}-public` },
    });
    new RouteTableAssociation(this, "public-subnet-routes", {
      subnetId: this.publicSubnet.id,
      routeTableId: routeTable.id,
    });
  }
}
