import { AuditRule, RuleViolation } from "../types";
import { SECRETS } from "../../../secrets-catalogue";

/** Formats of real credentials (the catalogue's own secrets' formats among them); any match is a finding wherever it appears. */
export const SECRET_PATTERNS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  ...SECRETS.flatMap((secret) => (secret.valuePattern ? [{ name: secret.label, pattern: secret.valuePattern }] : [])),
  { name: "OpenAI-style API key", pattern: /\bsk-(?:proj-)?[A-Za-z0-9]{32,}/ },
  { name: "GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { name: "Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: "private key", pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
];

/** Names of keys or variables that hold a secret. */
const SECRET_NAME = /(password|passwd|secret|token|api_?key|access_?key|private_?key|credential)/i;

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * True for a literal that looks like a generated secret: long, mixed letters and digits, high entropy,
 * and not a path, URL, reference, placeholder or hex checksum (sha256 pins are public).
 */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 20 || /[\s${}]/.test(value)) return false;
  if (/^(placeholder:|\/|https?:|arn:|alias\/|resolve:)/.test(value)) return false;
  if (/^[0-9a-f]{40,128}$/i.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return entropy(value) >= 3.5;
}

/** Secret-looking content of one text (a synthesized value or a script). */
export function secretsIn(text: string): string[] {
  const found = SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name);
  // NAME=value / NAME: value / "NAME": "value" with a literal value (a $(…) or ${…} expression is fine).
  const assignment = /([A-Za-z0-9_.-]+)["']?\s*[:=]\s*["']?([^\s"'`;&|)]+)/g;
  for (const match of text.matchAll(assignment)) {
    if (SECRET_NAME.test(match[1]) && looksLikeSecretValue(match[2])) found.push(`literal value of ${match[1]}`);
  }
  return [...new Set(found)];
}

function walk(value: unknown, key: string, visit: (key: string, text: string) => void): void {
  if (typeof value === "string") visit(key, value);
  else if (Array.isArray(value)) value.forEach((v) => walk(v, key, visit));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k, visit);
}

/** No credential-shaped value in the synthesized JSON (provider, resources, outputs) or the decoded user data. */
export const NoSecretsInConfiguration: AuditRule = {
  id: "NoSecretsInConfiguration",
  checkov: ["CKV_AWS_46", "CKV_AWS_41"],
  fsbp: [],
  rationale: "User data and Terraform configuration are readable by anyone with ec2:DescribeLaunchTemplateVersions or the repository; secrets belong in SSM.",
  check: (input) => {
    const violations: RuleViolation[] = [];
    const sections: Array<[string, unknown]> = [
      ["provider.aws", input.json.provider], ["output", input.json.output], ["variable", input.json.variable],
      ...input.resources.map((r): [string, unknown] => [r.address, r.config]),
    ];
    for (const [address, value] of sections) {
      const found = new Set<string>();
      walk(value, "", (key, text) => {
        if (key === "user_data") return; // checked decoded, below
        for (const name of SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map((p) => p.name)) found.add(name);
        if (SECRET_NAME.test(key) && looksLikeSecretValue(text)) found.add(`literal value of ${key}`);
      });
      for (const name of found) violations.push({ address, message: `${name} in the synthesized configuration` });
    }
    for (const { address, script } of input.userData) {
      for (const name of secretsIn(script)) violations.push({ address, message: `${name} in the decoded user data` });
    }
    return { checked: [...sections.map(([a]) => a), ...input.userData.map((u) => `${u.address} (user data)`)], violations };
  },
};
