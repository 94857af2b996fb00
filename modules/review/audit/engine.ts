import { AuditInput, AuditRule, Finding, StackAudit, Suppression } from "./types";

/** "openclaw-prod/network/vpc" → "network/vpc": a construct path below its stack. */
export const pathInStack = (constructPath: string): string => constructPath.split("/").slice(1).join("/");

/** True when a suppression path ("host/https-in-*": `*` within one segment) names this path below the stack. */
export function pathMatches(pattern: string, pathBelowStack: string): boolean {
  const regex = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*");
  return new RegExp(`^${regex}$`).test(pathBelowStack);
}

/** The suppression that accepts a violation of a rule on the construct at `constructPath`, if any. */
export function suppressionFor(
  suppressions: readonly Suppression[], ruleId: string, constructPath: string, message: string,
): Suppression | undefined {
  const below = pathInStack(constructPath);
  return suppressions.find((s) => s.ruleId === ruleId && s.paths.some((p) => pathMatches(p, below))
    && (!s.messageMatches || s.messageMatches.test(message)));
}

/** Runs every rule over one stack and applies the suppressions. */
export function auditStack(input: AuditInput, rules: readonly AuditRule[], suppressions: readonly Suppression[]): StackAudit {
  const byAddress = new Map(input.resources.map((r) => [r.address, r]));
  const findings: Finding[] = [];
  const checkedByRule: Record<string, number> = {};
  for (const rule of rules) {
    const result = rule.check(input);
    checkedByRule[rule.id] = result.checked.length;
    for (const v of result.violations) {
      const resource = byAddress.get(v.address);
      const suppression = resource && suppressionFor(suppressions, rule.id, resource.path, v.message);
      findings.push({
        stack: input.stack,
        ruleId: rule.id,
        address: v.address,
        path: resource?.path ?? v.address,
        message: v.message,
        suppressedBecause: suppression?.reason,
      });
    }
  }
  return { stack: input.stack, findings, checkedByRule };
}

/** Findings nobody accepted: any of them fails the audit. */
export const openFindings = (audits: readonly StackAudit[]): Finding[] =>
  audits.flatMap((a) => a.findings.filter((f) => f.suppressedBecause === undefined));

/**
 * Suppressions with a path that accepted no finding in any stack, narrowed to those paths (stale
 * ones, e.g. after a construct was renamed, should be fixed or deleted).
 */
export function unusedSuppressions(audits: readonly StackAudit[], suppressions: readonly Suppression[]): Suppression[] {
  const accepted = audits.flatMap((a) => a.findings).filter((f) => f.suppressedBecause !== undefined);
  return suppressions.flatMap((s) => {
    const unused = s.paths.filter((p) => !accepted.some((f) =>
      f.ruleId === s.ruleId && f.suppressedBecause === s.reason && pathMatches(p, pathInStack(f.path))));
    return unused.length > 0 ? [{ ...s, paths: unused }] : [];
  });
}
