import { readFileSync } from "node:fs";
import { README, readmeWithTable, settingsRows } from "../../scripts/docs/settings-table";
import { DEFAULT_DOWNLOADS, DEFAULT_VERSIONS, DEFAULT_WATCHDOG } from "../../modules/settings";
import { testSettings } from "../helpers/settings";

describe("README stays the truth", () => {
  const readme = readFileSync(README, "utf8");

  test("the settings table is the one generated from modules/settings.ts (run `npm run docs`)", () => {
    expect(readme).toBe(readmeWithTable(readme));
  });

  test("every resolved setting has a documented row", () => {
    const documented = new Set(settingsRows().map((r) => r.name));
    const s = testSettings({ hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    const keys = [
      ...Object.keys(s).filter((k) => !["versions", "downloads", "watchdog", "backend"].includes(k)),
      ...Object.keys(DEFAULT_VERSIONS).map((k) => `versions.${k}`),
      ...[...Object.keys(DEFAULT_DOWNLOADS), "nodeSha256", "traefikSha256"].map((k) => `downloads.${k}`),
      ...Object.keys(DEFAULT_WATCHDOG).map((k) => `watchdog.${k}`),
      "backend.type", "backend.path", "backend.bucket", "backend.key", "backend.region",
    ];
    for (const key of keys) expect(documented).toContain(key);
  });

  test("documented defaults match the code's defaults", () => {
    const rows = Object.fromEntries(settingsRows().map((r) => [r.name, r.defaultValue]));
    const s = testSettings();
    expect(JSON.parse(rows["versions.openclaw"])).toBe(s.versions.openclaw);
    expect(JSON.parse(rows["versions.node"])).toBe(s.versions.node);
    expect(JSON.parse(rows["versions.traefik"])).toBe(s.versions.traefik);
    expect(JSON.parse(rows.instanceType)).toBe(s.instanceType);
    expect(JSON.parse(rows.dataVolumeSizeGiB)).toBe(s.dataVolumeSizeGiB);
    expect(JSON.parse(rows.snapshotRetentionCount)).toBe(s.snapshotRetentionCount);
    expect(JSON.parse(rows.vpcCidr)).toBe(s.vpcCidr);
    expect(JSON.parse(rows.allowedCidrs)).toEqual(s.allowedCidrs);
    expect(JSON.parse(rows["watchdog.intervalSeconds"])).toBe(s.watchdog.intervalSeconds);
    expect(JSON.parse(rows["downloads.nodeBaseUrl"])).toBe(s.downloads.nodeBaseUrl);
    expect(JSON.parse(rows.region)).toBe(s.region);
  });
});
