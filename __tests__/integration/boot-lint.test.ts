import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { HOST_OPERATING_SYSTEMS } from "../../modules/settings/settings";
import { hostFiles, renderBootScript, renderTools, renderUnits } from "../../modules/host";
import { renderUserData } from "../../modules/host/user-data";
import { hostContract } from "../../modules/host/contract";
import { traefikDynamicConfig, traefikStaticConfig } from "../../modules/host/traefik";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Static checks with the real tools: bash -n and shellcheck on the rendered boot script (both
 * OSes) and every host tool, systemd-analyze verify on every unit, and the Traefik files against
 * the Traefik v3 JSON schemas vendored in __tests__/fixtures/schemas (SchemaStore, see its README).
 */
const missing = (tool: string) => (spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0 ? undefined : `${tool} is not installed`);
const settings = testSettings();
const layout = hostContract(settings);

/** bash -n: the loader as the user data carries it and the host script it sources, each on its own. */
const programs: Array<[string, string]> = HOST_OPERATING_SYSTEMS.flatMap((hostOs): Array<[string, string]> => {
  const { script, hostScript } = renderUserData(testSettings({ hostOs }));
  return [[`loader (${hostOs})`, script], [`host script (${hostOs})`, hostScript]];
});

/**
 * shellcheck: the boot as one shell runs it, the loader (with its comments: a `# shellcheck` directive
 * names what it sources) followed by the host script, so a variable set in one and read in the other is
 * neither "unused" nor "unassigned"; every line of both is checked. Then every host tool.
 */
const scripts: Array<[string, string]> = [
  ...HOST_OPERATING_SYSTEMS.map((hostOs): [string, string] => [`boot: loader + host script (${hostOs})`, renderBootScript(testSettings({ hostOs }))]),
  ...HOST_OPERATING_SYSTEMS.flatMap((hostOs) => Object.entries(renderTools(testSettings({ hostOs }), layout))
    .map(([file, content]): [string, string] => [`${path.basename(file)} (${hostOs})`, content])),
  // Alerts on: the same programs with their publish_metric calls (modules/host/metrics.ts).
  ...HOST_OPERATING_SYSTEMS.map((hostOs): [string, string] => [`boot: loader + host script (${hostOs}, alerts on)`,
    renderBootScript(testSettings({ hostOs, alerts: ["ops@clawops.dev"] }))]),
  ...Object.entries(renderTools(testSettings({ alerts: ["ops@clawops.dev"] }), layout))
    .map(([file, content]): [string, string] => [`${path.basename(file)} (alerts on)`, content]),
];

function runOn(tool: string, args: string[], content: string): { status: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-lint-"));
  try {
    const file = path.join(dir, "script.sh");
    fs.writeFileSync(file, content);
    const result = spawnSync(tool, [...args, file], { encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("bash -n and shellcheck", () => {
  const canBash = requireInCi(missing("bash"), "bash -n on the boot script");
  const canShellcheck = requireInCi(missing("shellcheck"), "shellcheck on the boot script");

  (canBash ? test.each([...programs, ...scripts]) : test.skip.each([...programs, ...scripts]))("bash -n: %s", (_name, content) => {
    expect(runOn("bash", ["-n"], content)).toEqual({ status: 0, output: "" });
  });

  (canShellcheck ? test.each(scripts) : test.skip.each(scripts))("shellcheck: %s", (_name, content) => {
    expect(runOn("shellcheck", ["--shell=bash", "--severity=style"], content)).toEqual({ status: 0, output: "" });
  });

  (canShellcheck ? test : test.skip)("shellcheck does flag a broken script (the check is live)", () => {
    expect(runOn("shellcheck", ["--shell=bash"], "#!/bin/bash\nrm -rf $DIR/*\n").status).not.toBe(0);
  });
});

describe("systemd-analyze verify", () => {
  const can = requireInCi(missing("systemd-analyze") ?? missing("bwrap"), "systemd-analyze verify on the units");
  const units = renderUnits(settings, layout);

  /**
   * Verifies unit files in a bubblewrap sandbox whose /opt and /usr/local hold stand-in
   * executables at the paths the units name (they do not exist on this machine); the unit
   * syntax and dependencies are checked by the real systemd-analyze.
   */
  function verify(files: Record<string, string>): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-units-"));
    try {
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
      const executables = [layout.nodeBin, layout.traefikBin, layout.refreshSecretsTool, layout.watchdogTool, layout.certGuardTool, layout.backupTool, layout.applyConfigTool];
      const setup = executables.map((f) => `mkdir -p "$(dirname ${f})" && printf '#!/bin/sh\\n' >${f} && chmod 755 ${f}`).join(" && ");
      const result = spawnSync("bwrap", [
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/opt", "--tmpfs", "/usr/local",
        "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--bind", dir, dir, "--chdir", dir,
        "sh", "-c", `${setup} && systemd-analyze verify ${Object.keys(files).map((n) => `./${n}`).join(" ")}`,
      ], { encoding: "utf8" });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  (can ? test : test.skip)("every rendered unit verifies with no warning", () => {
    expect(Object.keys(units).sort()).toEqual([
      "openclaw-apply-config.service", "openclaw-apply-config.timer", "openclaw-backup.service", "openclaw-backup.timer", "openclaw-cert-guard.service", "openclaw-cert-guard.timer", "openclaw-gateway.service", "openclaw-imds-firewall.service",
      "openclaw-secrets.service", "openclaw-watchdog.service", "openclaw-watchdog.timer", "traefik.service"]);
    expect(verify(units)).toEqual({ status: 0, output: "" });
  });

  (can ? test : test.skip)("with a hosted zone (DNS-01: Traefik's unit carries lego's Route53 environment) every unit verifies", () => {
    const zoned = renderUnits(testSettings({ hostedZoneId: "Z0123456789ABCDEFGHIJ" }), layout);
    expect(zoned["traefik.service"]).toContain("\nEnvironment=AWS_REGION=us-east-1\nEnvironment=AWS_HOSTED_ZONE_ID=Z0123456789ABCDEFGHIJ\n");
    expect(verify(zoned)).toEqual({ status: 0, output: "" });
  });

  (can ? test : test.skip)("a unit with a typo is reported (the check is live)", () => {
    const broken = units["openclaw-gateway.service"].replace("RestartSec=5", "RestartSec=five\nRestartPreventExitCode=78");
    const result = verify({ ...units, "openclaw-gateway.service": broken });
    expect(result.output).toContain("Failed to parse");
    expect(result.output).toContain("Unknown key");
  });
});

describe("Traefik configuration against the Traefik v3 JSON schemas", () => {
  const schemaDir = path.join(__dirname, "..", "fixtures", "schemas");
  const load = (name: string) => JSON.parse(fs.readFileSync(path.join(schemaDir, name), "utf8"));
  const files = hostFiles(settings, layout);
  const written = (file: string) => parse(files.find((f) => f.path === file)!.content);

  test("the static configuration (traefik.yml as written on the host) is valid", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(load("traefik-v3.json"));
    const config = written(layout.traefikStaticConfig);
    expect(config).toEqual(traefikStaticConfig(settings, layout));
    expect(validate(config) ? [] : validate.errors).toEqual([]);
    expect(config.certificatesResolvers.letsencrypt.acme).toEqual({
      email: settings.acmeEmail, caServer: "https://acme-v02.api.letsencrypt.org/directory",
      storage: "/opt/openclaw/traefik/acme.json", certificatesDuration: 2160, tlsChallenge: {} });
  });

  test("the dynamic configuration (dynamic.yml as written on the host) is valid", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(load("traefik-v3-file-provider.json"));
    const config = written(layout.traefikDynamicConfig);
    expect(config).toEqual(traefikDynamicConfig(settings, layout));
    expect(validate(config) ? [] : validate.errors).toEqual([]);
  });

  test("the schemas reject a mistake (the validation is live)", () => {
    const staticSchema = new Ajv({ strict: false }).compile(load("traefik-v3.json"));
    const dynamicSchema = new Ajv({ strict: false }).compile(load("traefik-v3-file-provider.json"));
    const badStatic = traefikStaticConfig(settings, layout) as { entryPoints: Record<string, object> };
    badStatic.entryPoints.websecure = { ...badStatic.entryPoints.websecure, adress: ":443" };
    expect(staticSchema(badStatic)).toBe(false);
    const badDynamic = JSON.parse(JSON.stringify(traefikDynamicConfig(settings, layout)));
    badDynamic.http.routers.openclaw.entrypoints = ["websecure"];
    expect(dynamicSchema(badDynamic)).toBe(false);
  });
});
