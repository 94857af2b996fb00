import { readFileSync } from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { resolveSettingsFile } from "./modules/settings";
import { OpenClawStack } from "./modules/stack";

// Settings: settings.json in the working directory (cdktf runs the app from the project root, and
// main.ts runs bundled), or the file named by OPENCLAW_AWS_SETTINGS.
const settingsPath = path.resolve(process.env.OPENCLAW_AWS_SETTINGS ?? "settings.json");
const environments = resolveSettingsFile(JSON.parse(readFileSync(settingsPath, "utf8")), path.basename(settingsPath));

const app = new App();
for (const settings of environments) new OpenClawStack(app, settings);
app.synth();
