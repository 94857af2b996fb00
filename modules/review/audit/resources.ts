import { AuditInput, AuditResource, RuleResult, RuleViolation } from "./types";
import { IDENTITY_POLICY_TYPES, listOf, NetworkRule, networkRulesOf, policyStatementsOf, SECURITY_GROUP_TYPES } from "../terraform-json";

/**
 * Small readers over the audit's input, shared by the rules; the Terraform JSON itself is read by
 * modules/review/terraform-json.ts (shared with the plan summary).
 */

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

/** One ingress or egress permission, normalized, with the address of the resource that declares it. */
export interface NetworkPermission extends NetworkRule {
  readonly address: string;
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
/** True when a CIDR is the whole internet. */
export const isWorld = (cidr: string): boolean => WORLD.has(cidr);

/** Every ingress/egress permission of the stack: inline blocks, `aws_security_group_rule`, and the VPC rule resources. */
export function networkPermissions(input: AuditInput): NetworkPermission[] {
  // Groups (and the default group) first, then the rule resources of each shape.
  const shapes = [["aws_security_group", "aws_default_security_group"], ["aws_security_group_rule"],
    ["aws_vpc_security_group_ingress_rule"], ["aws_vpc_security_group_egress_rule"]];
  return shapes.flatMap((types) => ofType(input, ...types)
    .flatMap((r) => networkRulesOf(r.type, r.config).map((rule) => ({ address: r.address, ...rule }))));
}

/** The addresses of every resource that can declare security group rules (what the SG rules check). */
export function securityGroupRuleAddresses(input: AuditInput): string[] {
  return ofType(input, ...SECURITY_GROUP_TYPES.filter((t) => t !== "aws_default_security_group")).map((r) => r.address);
}

/** True when the permission lets traffic reach `port` (TCP or all protocols). */
export function coversPort(p: NetworkPermission, port: number): boolean {
  return (p.protocol === "-1" || p.protocol === "tcp" || p.protocol === "udp") && p.fromPort <= port && port <= p.toPort;
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
    const parsed = policyStatementsOf(document);
    if (!parsed) unparsable.push(address);
    for (const s of parsed ?? []) {
      statements.push({
        address, sid: s.sid, effect: s.effect, actions: s.actions, notActions: s.notActions,
        resources: s.resources ?? [], hasCondition: s.hasCondition,
      });
    }
  };
  for (const r of ofType(input, ...IDENTITY_POLICY_TYPES)) add(r.address, r.config.policy);
  for (const role of ofType(input, "aws_iam_role")) {
    for (const inline of listOf(role.config.inline_policy)) add(role.address, inline.policy);
  }
  return { statements, checked, unparsable };
}
