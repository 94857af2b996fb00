import type { GatewaySettings } from "./settings";

/** One refused value: the setting's dotted name, the value, and what is allowed (citing the rule). */
export interface RuleProblem {
  setting: string;
  value: unknown;
  allowed: string;
}

/** A value that synthesizes but can never work in a real deployment (example domain, placeholder e-mail). */
export interface PlaceholderWarning {
  setting: string;
  value: string;
  why: string;
}

/**
 * Rules of the real services (AWS limits, Let's Encrypt) for one environment, after defaults.
 * Total: never throws, whatever the (possibly ill-typed) values are.
 */
export function environmentRuleProblems(_s: GatewaySettings): RuleProblem[] {
  return [];
}

/** Rules across environments (same domain, same Route53 record, …); each problem names its environment. */
export function crossEnvironmentProblems(_all: GatewaySettings[]): Array<RuleProblem & { environment: string }> {
  return [];
}

/** Placeholder and example values: synth warns; plan/deploy refuse (Terraform precondition). */
export function placeholderWarnings(_s: GatewaySettings): PlaceholderWarning[] {
  return [];
}
