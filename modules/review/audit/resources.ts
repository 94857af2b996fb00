import { AuditInput, AuditResource, RuleResult, RuleViolation } from "./types";

/**
 * Small readers over synthesized resources, shared by the rules. Synthesized blocks are objects
 * when there is one and arrays when there are several; `listOf` hides the difference.
 */

/** A block or list of blocks as a list. */
export function listOf<T = any>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

/** The resources of the given types. */
export function ofType(input: AuditInput, ...types: string[]): AuditResource[] {
  return input.resources.filter((r) => types.includes(r.type));
}

/** True for a Terraform reference or expression (`${…}`), whose value is only known at apply. */
export const isReference = (value: unknown): boolean => typeof value === "string" && value.includes("${");

/** Terraform booleans may be synthesized as booleans or as the strings "true"/"false". */
export const isTrue = (value: unknown): boolean => value === true || value === "true";

/** Runs `problem` on every resource of the types; each returned message is a violation. */
export function perResource(
  input: AuditInput,
  types: string[],
  problem: (resource: AuditResource) => string | string[] | undefined,
): RuleResult {
  const resources = ofType(input, ...types);
  const violations: RuleViolation[] = [];
  for (const resource of resources) {
    for (const message of listOf<string>(problem(resource))) violations.push({ address: resource.address, message });
  }
  return { checked: resources.map((r) => r.address), violations };
}

/** The tags a resource ends up with: the provider's default tags, then its own. */
export function effectiveTags(input: AuditInput, resource: AuditResource): Record<string, string> {
  return { ...input.defaultTags, ...(resource.config.tags ?? {}) };
}

/** `${aws_vpc.network_vpc_X.id}` → "aws_vpc.network_vpc_X" (the address a reference points at). */
export function referencedAddress(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z0-9_]+\}$/.exec(value);
  return match?.[1];
}

// ---------------------------------------------------------------------------------------------
// Security group rules, whichever of the three Terraform shapes declares them.

/** One ingress or egress permission, normalized. */
export interface NetworkPermission {
  /** Address of the resource that declares it. */
  readonly address: string;
  readonly direction: "ingress" | "egress";
  /** "tcp", "udp", "icmp", or "-1" for all protocols. */
  readonly protocol: string;
  /** Port range; all ports when the protocol is "-1". */
  readonly fromPort: number;
  readonly toPort: number;
  /** IPv4 and IPv6 CIDRs (references to security groups or prefix lists are not listed). */
  readonly cidrs: readonly string[];
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
/** True when a CIDR is the whole internet. */
export const isWorld = (cidr: string): boolean => WORLD.has(cidr);

const protocolOf = (value: unknown): string => {
  const text = String(value ?? "-1").toLowerCase();
  return ({ "6": "tcp", "17": "udp", "1": "icmp", all: "-1" } as Record<string, string>)[text] ?? text;
};

function permission(address: string, direction: "ingress" | "egress", block: Record<string, any>, cidrs: unknown[]): NetworkPermission {
  const protocol = protocolOf(block.ip_protocol ?? block.protocol);
  const all = protocol === "-1";
  return {
    address,
    direction,
    protocol,
    fromPort: all ? 0 : Number(block.from_port ?? 0),
    toPort: all ? 65535 : Number(block.to_port ?? 65535),
    cidrs: cidrs.filter((c): c is string => typeof c === "string"),
  };
}

/** Every ingress/egress permission of the stack: inline blocks, `aws_security_group_rule`, and the VPC rule resources. */
export function networkPermissions(input: AuditInput): NetworkPermission[] {
  const out: NetworkPermission[] = [];
  for (const group of ofType(input, "aws_security_group", "aws_default_security_group")) {
    for (const direction of ["ingress", "egress"] as const) {
      for (const block of listOf(group.config[direction])) {
        out.push(permission(group.address, direction, block, [...listOf(block.cidr_blocks), ...listOf(block.ipv6_cidr_blocks)]));
      }
    }
  }
  for (const rule of ofType(input, "aws_security_group_rule")) {
    const direction = rule.config.type === "egress" ? "egress" : "ingress";
    out.push(permission(rule.address, direction, rule.config, [...listOf(rule.config.cidr_blocks), ...listOf(rule.config.ipv6_cidr_blocks)]));
  }
  for (const [type, direction] of [["aws_vpc_security_group_ingress_rule", "ingress"], ["aws_vpc_security_group_egress_rule", "egress"]] as const) {
    for (const rule of ofType(input, type)) {
      out.push(permission(rule.address, direction, rule.config, [rule.config.cidr_ipv4, rule.config.cidr_ipv6]));
    }
  }
  return out;
}

/** The addresses of every resource that can declare security group rules (what the SG rules check). */
export function securityGroupRuleAddresses(input: AuditInput): string[] {
  return ofType(input, "aws_security_group", "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule").map((r) => r.address);
}

/** True when the permission lets traffic reach `port` (TCP or all protocols). */
export function coversPort(p: NetworkPermission, port: number): boolean {
  return (p.protocol === "-1" || p.protocol === "tcp" || p.protocol === "udp") && p.fromPort <= port && port <= p.toPort;
}

/** "tcp 443", "tcp 1000-2000", "all traffic". */
export function describePorts(p: NetworkPermission): string {
  if (p.protocol === "-1") return "all traffic";
  return p.fromPort === p.toPort ? `${p.protocol} ${p.fromPort}` : `${p.protocol} ${p.fromPort}-${p.toPort}`;
}

// ---------------------------------------------------------------------------------------------
// IAM policy documents.

/** One statement of an identity policy, with its source. */
export interface PolicyStatement {
  readonly address: string;
  readonly sid?: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly hasCondition: boolean;
}

/** Identity policy documents (not trust policies) of the stack, parsed; unparsable documents are reported. */
export function policyStatements(input: AuditInput): { statements: PolicyStatement[]; checked: string[]; unparsable: string[] } {
  const statements: PolicyStatement[] = [];
  const checked: string[] = [];
  const unparsable: string[] = [];
  const add = (address: string, document: unknown) => {
    checked.push(address);
    let parsed: any;
    try {
      parsed = typeof document === "string" ? JSON.parse(document) : document;
    } catch {
      unparsable.push(address);
      return;
    }
    for (const s of listOf<Record<string, any>>(parsed?.Statement)) {
      statements.push({
        address,
        sid: s.Sid,
        effect: s.Effect,
        actions: listOf<string>(s.Action),
        notActions: listOf<string>(s.NotAction),
        resources: listOf<string>(s.Resource),
        hasCondition: s.Condition !== undefined,
      });
    }
  };
  for (const r of ofType(input, "aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy")) {
    add(r.address, r.config.policy);
  }
  for (const role of ofType(input, "aws_iam_role")) {
    for (const inline of listOf(role.config.inline_policy)) add(role.address, inline.policy);
  }
  return { statements, checked, unparsable };
}
