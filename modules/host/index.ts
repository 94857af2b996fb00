import { GatewaySettings } from "../settings/settings";
import {
  addressStep, configStep, hostNameStep, metadataStep, mountStep, nodeStep, openclawStep, packagesStep, preamble, secretsStep,
  ssmAgentStep, startStep, summaryStep, traefikStep, usersAndDirectoriesStep, volumeStep,
} from "./steps";

/**
 * The boot script (User Data): one bash program composed of small rendered steps, in boot order.
 * Pure: the same settings give the same bytes (no clock, no environment).
 */
export function renderBootScript(s: GatewaySettings): string {
  return [
    preamble(s),
    packagesStep(s),
    metadataStep(),
    hostNameStep(s),
    volumeStep(s),
    mountStep(),
    addressStep(s),
    nodeStep(s),
    openclawStep(s),
    traefikStep(s),
    usersAndDirectoriesStep(s),
    secretsStep(s),
    configStep(s),
    startStep(s),
    ssmAgentStep(s),
    summaryStep(),
  ].filter((piece) => piece !== "").join("\n");
}

export { hostFiles, toolFiles, configFiles } from "./steps";
export { renderTools } from "./tools";
export { renderUnits } from "./units";
