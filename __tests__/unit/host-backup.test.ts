import { spawnSync } from "node:child_process";
import { BACKUP_SCHEDULE, backupTool, DAILY_SNAPSHOT_TIME_UTC } from "../../modules/host/backup";
import { hostContract } from "../../modules/host/contract";
import { configFiles, startStep, usersAndDirectoriesStep } from "../../modules/host/steps";
import { renderTools } from "../../modules/host/tools";
import { backupService, backupTimer, renderUnits } from "../../modules/host/units";
import { DEFAULT_BACKUPS } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

/**
 * The daily openclaw backup (modules/host/backup.ts): its unit, its timer before the data volume's
 * snapshot, the tool the boot installs and the directory it writes. The real openclaw runs the tool in
 * __tests__/integration/openclaw-backup.test.ts; boot-lint.test.ts lints it and verifies the units.
 */
const settings = testSettings();
const c = hostContract(settings);
const units = renderUnits(settings, c);
const service = units[c.backupServiceUnit];
const timer = units[c.backupTimerUnit];
const directive = (unit: string, key: string): string[] => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]);
/** Seconds since midnight of "HH:MM[:SS]". */
const secondsOf = (time: string): number => time.split(":").reduce((sum, part, i) => sum + Number(part) * [3600, 60, 1][i], 0);

describe("openclaw-backup.service", () => {
  test("a bounded oneshot of the backup tool as the gateway's user, with the gateway's state and config paths", () => {
    expect(directive(service, "Type")).toEqual(["oneshot"]);
    expect(directive(service, "User")).toEqual([c.serviceUser]);
    expect(directive(service, "Group")).toEqual([c.serviceUser]);
    expect(directive(service, "ExecStart")).toEqual([c.backupTool]);
    expect(directive(service, "TimeoutStartSec")).toEqual([String(BACKUP_SCHEDULE.timeoutSeconds)]);
    expect(directive(service, "Environment")).toEqual(expect.arrayContaining([
      `OPENCLAW_STATE_DIR=${c.stateDir}`, `OPENCLAW_CONFIG_PATH=${c.configPath}`, `HOME=${c.stateDir}`]));
    expect(directive(service, "WorkingDirectory")).toEqual([c.stateDir]);
    expect(directive(service, "RequiresMountsFor")).toEqual([c.dataMount]);
  });

  test("hardened like the gateway, no secrets credential, no network, writes only the state and the backups", () => {
    expect(service).not.toContain("LoadCredential");
    expect(directive(service, "IPAddressDeny")).toEqual(["any"]);
    expect(directive(service, "ReadWritePaths")).toEqual([c.stateDir, c.backupsDir]);
    expect(directive(service, "ProtectSystem")).toEqual(["strict"]);
    expect(directive(service, "ProtectHome")).toEqual(["yes"]);
    expect(directive(service, "CapabilityBoundingSet")).toEqual([""]);
    expect(directive(service, "NoNewPrivileges")).toEqual(["yes"]);
    expect(directive(service, "UMask")).toEqual(["0077"]);
    // Not started by a target: only the timer starts it.
    expect(backupService(c)).not.toHaveProperty("Install");
  });
});

describe("openclaw-backup.timer", () => {
  test("daily at 02:30 UTC, never at boot, no catch-up run", () => {
    expect(directive(timer, "OnCalendar")).toEqual(["*-*-* 02:30:00 UTC"]);
    expect(directive(timer, "Persistent")).toEqual(["no"]);
    for (const atBoot of ["OnBootSec", "OnStartupSec", "OnActiveSec", "OnUnitActiveSec"]) expect(directive(timer, atBoot)).toEqual([]);
    expect(directive(timer, "Unit")).toEqual([c.backupServiceUnit]);
    expect(directive(timer, "WantedBy")).toEqual(["timers.target"]);
    expect(backupTimer(c).Timer.RandomizedDelaySec).toBeLessThanOrEqual(300);
  });

  test("even the latest start plus the longest run ends before the daily snapshot", () => {
    const start = secondsOf(BACKUP_SCHEDULE.onCalendar.split(" ")[1]);
    const latestEnd = start + BACKUP_SCHEDULE.randomizedDelaySeconds + BACKUP_SCHEDULE.accuracySeconds + BACKUP_SCHEDULE.timeoutSeconds;
    expect(latestEnd).toBeLessThan(secondsOf(DAILY_SNAPSHOT_TIME_UTC));
  });

  const canAnalyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0;
  (canAnalyze ? test : test.skip)("systemd's own calendar parser reads OnCalendar= as 02:30 UTC every day", () => {
    const r = spawnSync("systemd-analyze", ["calendar", "--iterations=2", BACKUP_SCHEDULE.onCalendar], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Normalized form: \*-\*-\* 02:30:00 UTC/);
    const elapses = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #2): \w+ (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC/g)];
    expect(elapses.map((m) => m[2])).toEqual(["02:30:00", "02:30:00"]);
    expect(Date.parse(elapses[1][1]) - Date.parse(elapses[0][1])).toBe(24 * 3600 * 1000);
  });
});

describe("the backup tool and what the boot does for it", () => {
  const tool = renderTools(settings, c)[c.backupTool];

  test("openclaw's own consistent, verified archive into the backups directory; the newest `backups.keep` stay", () => {
    expect(tool).toBe(backupTool(settings, c));
    expect(tool).toContain(`${c.nodeBin} ${c.openclawEntry} backup create --output "$BACKUPS_DIR" --verify --json`);
    expect(tool).toContain(`BACKUPS_DIR='${c.backupsDir}'`);
    expect(tool).toContain(`KEEP='${DEFAULT_BACKUPS.keep}'`);
    expect(backupTool(testSettings({ backups: { keep: 3 } }), c)).toContain("KEEP='3'");
    // Nothing copies a database file by hand.
    expect(tool).not.toMatch(/\bcp\b|sqlite|rsync/);
  });

  test("the backups directory is on the data volume, outside the state, the gateway user's and 0700", () => {
    expect(c.backupsDir.startsWith(`${c.dataMount}/`)).toBe(true);
    expect(c.backupsDir.startsWith(`${c.stateDir}/`)).toBe(false);
    const step = usersAndDirectoriesStep(settings, c);
    expect(step).toContain(`ensure_dir ${c.backupsDir} 700 ${c.serviceUser}:${c.serviceUser}`);
    expect(step).toContain(`reown ${c.backupsDir} ${c.serviceUser}`);
  });

  test("the boot writes both units and enables and starts the timer", () => {
    const paths = configFiles(settings, c).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([`${c.unitDir}/${c.backupServiceUnit}`, `${c.unitDir}/${c.backupTimerUnit}`]));
    expect(startStep(c)).toContain(`\nsystemctl enable --now --quiet ${c.backupTimerUnit}\n`);
  });
});
