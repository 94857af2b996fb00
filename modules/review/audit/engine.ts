import { AuditInput, AuditRule, Finding, StackAudit, Suppression } from "./types";

/** The suppression that accepts a violation, if any. */
export function suppressionFor(
  suppressions: readonly Suppression[], ruleId: string, resourceType: string, message: string,
): Suppression | undefined {
  return suppressions.find((s) => s.ruleId === ruleId && s.resourceTypes.includes(resourceType)
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
      const suppression = resource && suppressionFor(suppressions, rule.id, resource.type, v.message);
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

/** Suppressions that matched nothing in any stack (stale ones should be deleted). */
export function unusedSuppressions(audits: readonly StackAudit[], suppressions: readonly Suppression[]): Suppression[] {
  const used = new Set(audits.flatMap((a) => a.findings).map((f) => f.suppressedBecause).filter(Boolean));
  return suppressions.filter((s) => !used.has(s.reason));
}
