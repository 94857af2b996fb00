import { readFileSync } from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { resolveSettingsFile } from "./modules/settings";
import { OpenClawStack } from "./modules/stack";

/** Settings file: `settings.json` beside this file, or the path in OPENCLAW_AWS_SETTINGS. */
const settingsPath = path.resolve(process.env.OPENCLAW_AWS_SETTINGS ?? path.join(__dirname, "settings.json"));
const environments = resolveSettingsFile(JSON.parse(readFileSync(settingsPath, "utf8")), path.basename(settingsPath));

const app = new App();
for (const settings of environments) new OpenClawStack(app, settings);
app.synth();
