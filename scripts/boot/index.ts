import { GatewaySettings } from "../../modules/settings";
import { resourceNames, DATA_MOUNT } from "../../modules/names";
import { shellQuote } from "./shell";

/**
 * The boot script: one bash program composed of small rendered steps.
 * (Placeholder skeleton for the stack issue; the boot-script issue fills in every step.)
 */
export function renderBootScript(s: GatewaySettings): string {
  const names = resourceNames(s);
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "exec > >(tee -a /var/log/openclaw-bootstrap.log) 2>&1",
    `echo "openclaw-aws bootstrap for environment ${s.environment}"`,
    `DATA_MOUNT=${shellQuote(DATA_MOUNT)}`,
    `ASG_NAME=${shellQuote(names.autoScalingGroup)}`,
    'echo "data mount: $DATA_MOUNT, group: $ASG_NAME"',
    "",
  ].join("\n");
}
