/**
 * What the agent may do on the host: the `toolPolicy` setting, rendered into openclaw.json as
 * openclaw's own exec-approval and file-tool knobs. No import: modules/host/layout.ts renders it.
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

/** The openclaw.json keys each value renders (merged under the `openclaw` overlay, which may not set them). */
export const TOOL_POLICY_CONFIG: Readonly<Record<ToolPolicy, { tools: { exec: { mode: string }; fs?: { workspaceOnly: boolean } } }>> = {
  // Allowlisted commands run; any other waits for an approval, denied when nobody answers.
  approvals: { tools: { exec: { mode: "ask" }, fs: { workspaceOnly: true } } },
  // No host shell at all; file tools in the workspace.
  "no-shell": { tools: { exec: { mode: "deny" }, fs: { workspaceOnly: true } } },
  // openclaw's own default, made explicit: shell and file tools as the openclaw user, no prompt.
  full: { tools: { exec: { mode: "full" } } },
};

/** The config paths the setting renders: the overlay may not set them (set `toolPolicy` instead). */
export const TOOL_POLICY_PATHS = ["tools.exec.mode", "tools.exec.security", "tools.exec.ask", "tools.fs.workspaceOnly"] as const;

/** True for a value of `toolPolicy`. */
export const isToolPolicy = (value: unknown): value is ToolPolicy => (TOOL_POLICIES as readonly unknown[]).includes(value);
