/**
 * The one reader of Terraform's JSON shared by the audit (the synthesized configuration,
 * cdk.tf.json) and the plan summary (`terraform show -json` values before and after a change):
 * blocks that are objects or lists, the resources of a configuration, IAM policy documents and
 * security-group permissions, each normalized once.
 */

/** A block or list of blocks as a list (a synthesized block is an object when there is one, an array when there are several). */
export function listOf<T = any>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

// ---------------------------------------------------------------------------------------------
// Resources of a configuration.

/** One `resource.<type>.<name>` block of a Terraform JSON configuration. */
export interface ConfiguredResource {
  /** Terraform resource type, e.g. "aws_launch_template". */
  readonly type: string;
  /** Terraform resource name, e.g. "host_launch-template_D4991956". */
  readonly name: string;
  /** Terraform address: `<type>.<name>`. */
  readonly address: string;
  /** The resource's arguments (references stay `${…}` strings). */
  readonly config: Record<string, any>;
}

/** Every resource of a Terraform JSON configuration, in its order. */
export function configuredResources(json: Record<string, any>): ConfiguredResource[] {
  return Object.entries<Record<string, any>>(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, config]) => ({ type, name, address: `${type}.${name}`, config })));
}

// ---------------------------------------------------------------------------------------------
// IAM policy documents.

/** Resource types whose `policy` is an identity policy document. */
export const IDENTITY_POLICY_TYPES: readonly string[] = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"];

/** One statement of a policy document, normalized (absent lists are empty; absent Resource is undefined). */
export interface PolicyStatementData {
  readonly sid?: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  /** Undefined when the statement names no Resource (trust policies name a Principal instead). */
  readonly resources?: string[];
  /** Undefined when the statement has no NotResource. */
  readonly notResources?: string[];
  readonly principal?: unknown;
  readonly hasCondition: boolean;
}

/** The statements of a policy document (a JSON string or an object); undefined when the string is not JSON. */
export function policyStatementsOf(document: unknown): PolicyStatementData[] | undefined {
  let parsed: any;
  try {
    parsed = typeof document === "string" ? JSON.parse(document) : document;
  } catch {
    return undefined;
  }
  return listOf<Record<string, any>>(parsed?.Statement).map((s) => ({
    sid: s.Sid,
    effect: s.Effect,
    actions: listOf<string>(s.Action),
    notActions: listOf<string>(s.NotAction),
    resources: s.Resource === undefined ? undefined : listOf<string>(s.Resource),
    notResources: s.NotResource === undefined ? undefined : listOf<string>(s.NotResource),
    principal: s.Principal,
    hasCondition: s.Condition !== undefined && s.Condition !== null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Security-group permissions, whichever of the three Terraform shapes declares them.

/** Resource types that declare security-group permissions, in the order they are read. */
export const SECURITY_GROUP_TYPES: readonly string[] = [
  "aws_security_group", "aws_default_security_group", "aws_security_group_rule",
  "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule",
];

/** One ingress or egress permission, normalized. */
export interface NetworkRule {
  readonly direction: "ingress" | "egress";
  /** "tcp", "udp", "icmp", or "-1" for all protocols. */
  readonly protocol: string;
  /** Port range; all ports when the protocol is "-1". */
  readonly fromPort: number;
  readonly toPort: number;
  /** IPv4 and IPv6 CIDRs. */
  readonly cidrs: readonly string[];
  /** Other sources or destinations: prefix lists, security groups, "itself". */
  readonly peers: readonly string[];
}

const protocolOf = (value: unknown): string => {
  const text = String(value ?? "-1").toLowerCase();
  return ({ "6": "tcp", "17": "udp", "1": "icmp", all: "-1" } as Record<string, string>)[text] ?? text;
};

function networkRule(direction: "ingress" | "egress", block: Record<string, any>): NetworkRule {
  const protocol = protocolOf(block.ip_protocol ?? block.protocol);
  const all = protocol === "-1";
  const strings = (...values: unknown[]) => values.flatMap((v) => listOf(v)).filter((v): v is string => typeof v === "string");
  return {
    direction,
    protocol,
    fromPort: all ? 0 : Number(block.from_port ?? 0),
    toPort: all ? 65535 : Number(block.to_port ?? 65535),
    cidrs: strings(block.cidr_blocks, block.ipv6_cidr_blocks, block.cidr_ipv4, block.cidr_ipv6),
    peers: [...strings(block.prefix_list_ids, block.prefix_list_id, block.security_groups, block.referenced_security_group_id),
      ...(block.self === true || block.self === "true" ? ["itself"] : [])],
  };
}

/** Every permission one security-group resource's values declare (inline blocks, a rule resource); none for other types. */
export function networkRulesOf(type: string, values: Record<string, any> | null | undefined): NetworkRule[] {
  if (!values) return [];
  if (type === "aws_vpc_security_group_ingress_rule") return [networkRule("ingress", values)];
  if (type === "aws_vpc_security_group_egress_rule") return [networkRule("egress", values)];
  if (type === "aws_security_group_rule") return [networkRule(values.type === "egress" ? "egress" : "ingress", values)];
  if (type === "aws_security_group" || type === "aws_default_security_group") {
    return (["ingress", "egress"] as const).flatMap((direction) => listOf(values[direction]).map((block) => networkRule(direction, block)));
  }
  return [];
}

/** "tcp 443", "tcp 1000-2000", "all traffic". */
export function describePorts(p: Pick<NetworkRule, "protocol" | "fromPort" | "toPort">): string {
  if (p.protocol === "-1") return "all traffic";
  return p.fromPort === p.toPort ? `${p.protocol} ${p.fromPort}` : `${p.protocol} ${p.fromPort}-${p.toPort}`;
}
