/**
 * The audit's vocabulary: what a rule sees (the synthesized Terraform JSON of one stack, flattened
 * into resources, plus the decoded user data), what it returns, and how a by-design deviation is
 * declared. Rules are pure functions over that input: no network, no credentials, no clock.
 */

/** One resource of the synthesized Terraform JSON. */
export interface AuditResource {
  /** Terraform resource type, e.g. "aws_launch_template". */
  readonly type: string;
  /** Terraform resource name (the construct's unique id), e.g. "host_launch-template_D4991956". */
  readonly name: string;
  /** Terraform address: `<type>.<name>`. */
  readonly address: string;
  /** Construct path, e.g. "openclaw-prod/host/launch-template" (the address when unknown). */
  readonly path: string;
  /** The resource's arguments as synthesized (references stay `${…}` strings). */
  readonly config: Record<string, any>;
}

/** The boot script of a launch template, decoded from base64 (and gzip). */
export interface DecodedUserData {
  /** Address of the launch template that carries it. */
  readonly address: string;
  readonly script: string;
}

/** Everything a rule may look at for one stack. */
export interface AuditInput {
  /** Stack name, e.g. "openclaw-prod". */
  readonly stack: string;
  /** The synthesized Terraform JSON (cdk.tf.json without backend and metadata). */
  readonly json: Record<string, any>;
  /** Every resource of the stack. */
  readonly resources: readonly AuditResource[];
  /** Tags the AWS provider adds to every taggable resource (`default_tags`). */
  readonly defaultTags: Readonly<Record<string, string>>;
  /** Decoded user data of every launch template. */
  readonly userData: readonly DecodedUserData[];
}

/** A non-compliance a rule reports. */
export interface RuleViolation {
  /** Terraform address of the offending resource (or "provider.aws", "user_data:<address>"). */
  readonly address: string;
  /** What is wrong, in one sentence that names the argument. */
  readonly message: string;
}

/** What a rule returns: what it looked at and what it found. An empty `checked` means "not applicable". */
export interface RuleResult {
  readonly checked: readonly string[];
  readonly violations: readonly RuleViolation[];
}

/** One rule of the pack (one file under modules/review/audit/rules/). */
export interface AuditRule {
  /** Stable id, named for what the rule demands, e.g. "LaunchTemplateIMDSv2Required". */
  readonly id: string;
  /** Checkov check ids the rule corresponds to. */
  readonly checkov: readonly string[];
  /** AWS Foundational Security Best Practices controls the rule corresponds to. */
  readonly fsbp: readonly string[];
  /** Where a project-specific rule comes from, when no checkov id or FSBP control fits. */
  readonly source?: string;
  /** One line: why the rule exists. */
  readonly rationale: string;
  /** The check itself. */
  readonly check: (input: AuditInput) => RuleResult;
}

/** A by-design deviation: a rule's violation that is accepted, with the reason written down. */
export interface Suppression {
  /** Id of the rule it silences. */
  readonly ruleId: string;
  /**
   * Construct paths below the stack of the resources it applies to, e.g. "network/public-subnet"
   * (the finding's path without "openclaw-<environment>/"); `*` stands for any characters within one
   * segment ("host/https-in-*"). A violation on any other construct stays a finding.
   */
  readonly paths: readonly string[];
  /** Why this deviation is accepted; printed in every report. */
  readonly reason: string;
  /** Narrows the suppression to violations whose message matches. @default every violation of the rule on those paths */
  readonly messageMatches?: RegExp;
}

/** One row of the report: a violation, suppressed (with its reason) or not. */
export interface Finding {
  readonly stack: string;
  readonly ruleId: string;
  readonly address: string;
  readonly path: string;
  readonly message: string;
  /** The reason of the suppression that accepts this finding; undefined for an open finding. */
  readonly suppressedBecause?: string;
}

/** Result of auditing one stack. */
export interface StackAudit {
  readonly stack: string;
  readonly findings: readonly Finding[];
  /** Rule id → number of resources it checked (0 = not applicable to this stack). */
  readonly checkedByRule: Readonly<Record<string, number>>;
}
