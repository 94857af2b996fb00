/**
 * What the agent may do on the host: the `toolPolicy` setting, rendered into openclaw.json as
 * openclaw's own exec-approval and file-tool knobs.
 *
 * Facts (openclaw 2026.9.6, the fixture's docs and code, read 2026-11-30):
 *  - Without `tools.exec.*` or a sandbox, host exec runs with security "full" and ask "off" (the
 *    Control UI's "Default (Full Access)"): dist/exec-defaults-*.mjs `resolveExecDefaults`
 *    (`defaultSecurity = effectiveHost === "sandbox" ? "deny" : "full"`); docs/tools/exec.md
 *    "No-approval host exec is the default for gateway and node (`mode=full`)"; docs/gateway/permission-modes.md.
 *  - `tools.exec.mode` is "the canonical persisted policy knob": deny | allowlist | ask | auto | full;
 *    "ask" = security allowlist + ask on-miss; a prompt nobody answers resolves by `askFallback`,
 *    default "deny" (docs/tools/exec-approvals.md "Policy knobs"; dist/exec-approvals-core-*.mjs
 *    `resolveExecPolicyForMode`). Mixing it with the legacy `security`/`ask` pair is rejected by
 *    `config patch` (same page), so the deployment owns all three.
 *  - `tools.fs.workspaceOnly` confines read/write/edit/apply_patch to the agent's workspace
 *    (docs/gateway/security/tool-permissions.md "Read-only mode"); default false.
 *  - A sandbox needs Docker or Podman (docs/gateway/security/tool-permissions.md "Sandboxing": "built-in
 *    Docker and Podman backends"); the host runs neither, so no value here turns a sandbox on.
 *  - `openclaw security audit` assumes security "deny" where `tools.exec` is unset
 *    (dist/audit-*.mjs `collectExecRuntimeFindings`: `security ?? "deny"`), so it cannot see the runtime
 *    default: "full" is rendered explicitly, and the audit reports it (`tools.exec.security_full_configured`).
 */

/** The values of `toolPolicy`; TOOL_POLICY_CONFIG says what each renders. */
export const TOOL_POLICIES = ["approvals", "no-shell", "full"] as const;
export type ToolPolicy = (typeof TOOL_POLICIES)[number];

/**
 * The server default: shell commands wait for a person's approval (the Control UI, or a channel's
 * approval client), and file tools stay in the workspace. The agent can still do real work, and a
 * message (or a web page it reads) cannot by itself make it run a command or read the secrets
 * credential, openclaw.json or the state database outside its workspace.
 */
export const DEFAULT_TOOL_POLICY: ToolPolicy = "approvals";

/** What one value renders into openclaw.json. */
export interface ToolPolicyConfig {
  /** `tools.exec.mode`: openclaw's exec policy (deny | allowlist | ask | auto | full). */
  execMode: "ask" | "deny" | "full";
  /** `tools.fs.workspaceOnly`: read/write/edit/apply_patch only inside the agent's workspace; absent: openclaw's default (false). */
  workspaceOnly?: true;
  /**
   * Tools added to `tools.deny` (to the overlay's list, if it sets one). Tool policy is "the hard stop":
   * a sender's `/exec security=full ask=off …` lifts `tools.exec.mode` for one message, but not a denied
   * tool (docs/tools/exec.md "Session overrides (`/exec`)"; dist/get-reply-*.mjs `resolveReplyExecOverrides`).
   */
  deny: readonly string[];
}

/** What each value renders. */
export const TOOL_POLICY_CONFIG: Readonly<Record<ToolPolicy, ToolPolicyConfig>> = {
  // Allowlisted commands run; any other waits for a person's approval, denied when nobody answers.
  approvals: { execMode: "ask", workspaceOnly: true, deny: [] },
  // No host shell at all (exec and its background sessions, process); file tools in the workspace.
  "no-shell": { execMode: "deny", workspaceOnly: true, deny: ["exec", "process"] },
  // openclaw's own default, made explicit (the audit then reports it): shell and files as the openclaw user, no prompt.
  full: { execMode: "full", deny: [] },
};

type Config = { [key: string]: unknown };
const objectAt = (value: unknown): Config => (typeof value === "object" && value !== null && !Array.isArray(value) ? value as Config : {});

/**
 * `config` (the rendered openclaw.json with the overlay merged) with the tool policy: `tools.exec.mode`,
 * `tools.fs.workspaceOnly` (paths the overlay may not set) and the policy's denied tools appended to the
 * overlay's `tools.deny`. Nothing else of `tools` changes; `config` is not changed.
 */
export function withToolPolicy(config: Config, policy: ToolPolicy): Config {
  const { execMode, workspaceOnly, deny } = TOOL_POLICY_CONFIG[policy];
  const tools = objectAt(config.tools);
  const denied = Array.isArray(tools.deny) ? tools.deny as unknown[] : [];
  return {
    ...config,
    tools: {
      ...tools,
      exec: { ...objectAt(tools.exec), mode: execMode },
      ...(workspaceOnly ? { fs: { ...objectAt(tools.fs), workspaceOnly } } : {}),
      ...(deny.length > 0 ? { deny: [...denied, ...deny.filter((tool) => !denied.includes(tool))] } : {}),
    },
  };
}

/** The config paths the setting renders: the overlay may not set them (set `toolPolicy` instead). */
export const TOOL_POLICY_PATHS = ["tools.exec.mode", "tools.exec.security", "tools.exec.ask", "tools.fs.workspaceOnly"] as const;

/** True for a value of `toolPolicy`. */
export const isToolPolicy = (value: unknown): value is ToolPolicy => (TOOL_POLICIES as readonly unknown[]).includes(value);
