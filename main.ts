import { App } from "cdktf";
import { GatewaySettings } from "./modules/settings/settings";
import { displayPath, loadSettings, readSettingsJson, reportSettingsError, settingsFilePath, warnAboutPlaceholders } from "./modules/settings/file";
import { OpenClawStack } from "./modules/stack";
import { findProjectRoot, stateInBuildOutputWarning } from "./modules/settings/state";
import { BootstrapSettings, resolveBootstrapSettings } from "./modules/bootstrap/settings";
import { BootstrapStack } from "./modules/bootstrap/stack";

// Local state goes to the project root, as an absolute path (see modules/settings/state.ts).
const projectRoot = findProjectRoot(process.cwd());

// Settings: settings.json in the working directory (cdktf runs the app from the project root, and
// main.ts runs bundled), or the file named by OPENCLAW_AWS_SETTINGS. A bad file prints one block
// (the file, then every problem) and exits 1, no stack trace (OPENCLAW_AWS_DEBUG=1 adds it).
const settingsPath = settingsFilePath();
let environments: GatewaySettings[] = [];
let bootstrap: BootstrapSettings | undefined;
try {
  environments = loadSettings(settingsPath, projectRoot);
  // The file's optional "bootstrap" section: the one-time CI bootstrap stack.
  bootstrap = resolveBootstrapSettings(readSettingsJson(settingsPath), environments, displayPath(settingsPath), projectRoot);
} catch (error) {
  process.exit(reportSettingsError(error));
}
warnAboutPlaceholders(environments, displayPath(settingsPath));

const app = new App();
const stacks = environments.map((settings) => new OpenClawStack(app, settings, { projectRoot }));
if (bootstrap) new BootstrapStack(app, bootstrap, { projectRoot });
app.synth();
const stateWarning = stateInBuildOutputWarning(projectRoot, stacks.map((s) => ({ stackId: s.node.id, settings: s.settings })));
if (stateWarning) process.stderr.write(`${stateWarning}\n`);
