import { spawnSync } from "node:child_process";
import { BOOT_STEPS, hostFiles, renderBootScript, renderUnits } from "../../modules/host";
import { hostContract } from "../../modules/host/contract";
import { HOST_OS_PROFILES } from "../../modules/host/host-os";
import { imdsFirewallRules, traefikNeedsImds } from "../../modules/host/units";
import { HOST_OPERATING_SYSTEMS } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

/**
 * Issue 13 item 3: the instance metadata service (the host role's credentials) answers root only.
 * Two layers: IPAddressDeny= on every unit that runs as a service user, and nftables rules for every
 * non-root process (openclaw-admin, sudo -u openclaw). Traefik keeps it only with DNS-01 (Route53).
 * The real nft applies the rules in __tests__/integration/imds-firewall.test.ts; the VM proves them.
 */
const ZONE = "Z0123456789ABCDEFGHIJ";
const plain = testSettings();
const zoned = testSettings({ hostedZoneId: ZONE });
const c = hostContract(plain);
const deny = "IPAddressDeny=169.254.169.254 fd00:ec2::254";

/** The User= of a rendered unit (undefined: root). */
const userOf = (unit: string): string | undefined => /^User=(.*)$/m.exec(unit)?.[1];

describe("IMDS closed to the service users' units (IPAddressDeny=)", () => {
  test("both IMDS addresses, IPv4 and the IPv6 one Nitro serves", () => {
    expect(c.imdsAddresses).toEqual(["169.254.169.254", "fd00:ec2::254"]);
    expect(c.imdsBase).toBe(`http://${c.imdsAddresses[0]}/latest`);
  });

  test.each([["without a hosted zone (TLS-ALPN-01)", plain], ["with a hosted zone (DNS-01 through Route53)", zoned]])(
    "%s: every unit that runs as a service user denies IMDS, except Traefik with DNS-01; root units keep it",
    (_name, s) => {
      const units = renderUnits(s, c);
      const nonRoot = Object.entries(units).filter(([, unit]) => userOf(unit) !== undefined && userOf(unit) !== "root");
      expect(nonRoot.map(([name]) => name).sort()).toEqual([c.gatewayUnit, c.traefikUnit, c.backupServiceUnit].sort());
      expect(units[c.gatewayUnit]).toContain(`\n${deny}\n`);
      // The backup talks to nothing at all: every address is denied, IMDS with them.
      expect(units[c.backupServiceUnit]).toContain("\nIPAddressDeny=any\n");
      if (traefikNeedsImds(s)) expect(units[c.traefikUnit]).not.toContain("IPAddressDeny");
      else expect(units[c.traefikUnit]).toContain(`\n${deny}\n`);
      // The root oneshots call the AWS API with the instance role's credentials from IMDS.
      for (const name of [c.secretsUnit, c.watchdogServiceUnit, c.certGuardServiceUnit]) {
        expect(userOf(units[name])).toBeUndefined();
        expect(units[name]).not.toContain("IPAddressDeny");
      }
    });

  test("only a hosted zone makes Traefik need IMDS", () => {
    expect(traefikNeedsImds(plain)).toBe(false);
    expect(traefikNeedsImds(zoned)).toBe(true);
  });
});

describe("IMDS closed to every non-root user (nftables)", () => {
  test("without a hosted zone: non-root traffic to both addresses is rejected, nobody is let through", () => {
    const rules = imdsFirewallRules(plain, c);
    expect(rules).toContain("type filter hook output priority 0; policy accept;");
    expect(rules).toContain("\n    ip daddr 169.254.169.254 meta skuid != 0 reject\n");
    expect(rules).toContain("\n    ip6 daddr fd00:ec2::254 meta skuid != 0 reject\n");
    expect(rules).not.toContain("accept\n    ip");
    expect(rules).not.toContain("traefik");
  });

  test("with a hosted zone: Traefik's user is accepted before the reject, for both addresses", () => {
    const lines = imdsFirewallRules(zoned, c).split("\n").map((l) => l.trim());
    const accept4 = lines.indexOf("ip daddr 169.254.169.254 meta skuid traefik accept");
    const accept6 = lines.indexOf("ip6 daddr fd00:ec2::254 meta skuid traefik accept");
    expect(accept4).toBeGreaterThan(0);
    expect(accept6).toBeGreaterThan(0);
    expect(accept4).toBeLessThan(lines.indexOf("ip daddr 169.254.169.254 meta skuid != 0 reject"));
    expect(accept6).toBeLessThan(lines.indexOf("ip6 daddr fd00:ec2::254 meta skuid != 0 reject"));
  });

  test("idempotent: the table is declared, deleted and declared again in one file (one nft transaction)", () => {
    const rules = imdsFirewallRules(plain, c);
    expect(rules.indexOf("table inet openclaw_imds\n")).toBeLessThan(rules.indexOf("delete table inet openclaw_imds\n"));
    expect(rules.indexOf("delete table inet openclaw_imds\n")).toBeLessThan(rules.indexOf("table inet openclaw_imds {"));
  });

  test("the unit loads the rules early at every boot (sysinit, before network-pre.target) with CAP_NET_ADMIN and no IP", () => {
    const unit = renderUnits(plain, c)[c.imdsFirewallUnit];
    expect(unit).toContain(`\nExecStart=/usr/sbin/nft -f ${c.imdsFirewallRules}\n`);
    expect(unit).toContain("\nDefaultDependencies=no\n");
    expect(unit).toContain("\nBefore=network-pre.target\n");
    expect(unit).toContain("\nWantedBy=sysinit.target\n");
    expect(unit).toContain("\nCapabilityBoundingSet=CAP_NET_ADMIN\n");
    expect(unit).toContain("\nIPAddressDeny=any\n");
    expect(unit).not.toContain("PrivateNetwork"); // its own network namespace would get the rules, not the host's
    expect(unit).not.toContain("PrivateTmp");
  });

  test.each(HOST_OPERATING_SYSTEMS)("%s: nft is a required command (package nftables)", (hostOs) => {
    expect(HOST_OS_PROFILES[hostOs].requiredCommands.nft).toBe("nftables");
  });
});

describe("the boot script's IMDS firewall step", () => {
  test.each(HOST_OPERATING_SYSTEMS)("%s: writes the rules and the unit, enables it and (re)starts it, after the users, before any service starts", (hostOs) => {
    const s = testSettings({ hostOs, hostedZoneId: ZONE });
    const script = renderBootScript(s);
    const files = hostFiles(s, c).filter((f) => [c.imdsFirewallRules, `${c.unitDir}/${c.imdsFirewallUnit}`].includes(f.path));
    expect(files.map((f) => [f.path, f.mode, f.owner])).toEqual([
      [c.imdsFirewallRules, "644", "root:root"], [`${c.unitDir}/${c.imdsFirewallUnit}`, "644", "root:root"]]);
    for (const file of files) expect(script).toContain(file.content);
    expect(files[0].content).toContain("meta skuid traefik accept");
    const at = (text: string) => script.indexOf(text);
    const restart = `if [ "$FIREWALL_RESTART" = 1 ]; then systemctl restart ${c.imdsFirewallUnit}; else systemctl start ${c.imdsFirewallUnit}; fi`;
    expect(at(restart)).toBeGreaterThan(at(`systemctl enable --quiet ${c.imdsFirewallUnit}`));
    expect(at(`step "close the instance metadata service to non-root users"`)).toBeGreaterThan(at(`step "service users"`));
    expect(at(restart)).toBeLessThan(at(`step "secrets from SSM Parameter Store"`));
    expect(at(restart)).toBeLessThan(at(`step "start services"`));
    const names = BOOT_STEPS.map((step) => step.name);
    expect(names.indexOf("IMDS firewall")).toBe(names.indexOf("users and directories") + 1);
  });

  test("runs in bash: a changed file reloads systemd and restarts the unit, an unchanged one only starts it", () => {
    const step = BOOT_STEPS.find((x) => x.name === "IMDS firewall")!.render(plain, c);
    // put_file and systemctl stand-ins: FILE_CHANGED from the caller, systemctl calls printed.
    const run = (changed: number) => spawnSync("bash", ["-c", `set -euo pipefail
step() { :; }
put_file() { cat >/dev/null; FILE_CHANGED=${changed}; }
systemctl() { echo "systemctl $*"; }
${step}`], { encoding: "utf8" });
    expect(run(1).stdout.trim().split("\n")).toEqual([
      "systemctl daemon-reload", `systemctl enable --quiet ${c.imdsFirewallUnit}`, `systemctl restart ${c.imdsFirewallUnit}`]);
    expect(run(0).stdout.trim().split("\n")).toEqual([`systemctl enable --quiet ${c.imdsFirewallUnit}`, `systemctl start ${c.imdsFirewallUnit}`]);
  });
});
