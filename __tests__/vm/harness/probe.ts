import { hostContract } from "../../../modules/host/contract";
import type { GatewaySettings } from "../../../modules/settings/settings";

/** Facts about a guest, gathered in one agent round trip. Values are strings as the guest printed them. */
export type GuestFacts = Record<string, string>;

/**
 * A bash snippet that prints `key<TAB>value` lines describing the guest's state for the boot proof.
 * Secrets are reported only as sha256 hashes.
 */
export function probeScript(s: Pick<GatewaySettings, "environment" | "versions">, volumeSerial: string): string {
  const layout = hostContract(s);
  const facts: [string, string][] = [
    ["bootId", "cat /proc/sys/kernel/random/boot_id"],
    ["instanceId", "cat /var/lib/cloud/data/instance-id"],
    ["cloudInitDone", "test -f /run/cloud-init/result.json && echo yes || echo no"],
    ["cloudInitErrors", "jq -c .v1.errors /run/cloud-init/result.json"],
    ["mountSource", `findmnt -n -o SOURCE ${layout.dataMount}`],
    ["mountFsType", `findmnt -n -o FSTYPE ${layout.dataMount}`],
    ["isMountpoint", `mountpoint -q ${layout.dataMount} && echo yes || echo no`],
    ["volumeDevice", `readlink -f /dev/disk/by-id/nvme-*_${volumeSerial}`],
    ["volumeFsUuid", `blkid -p -o value -s UUID /dev/disk/by-id/nvme-*_${volumeSerial}`],
    ["volumeFsCreated", `dumpe2fs -h /dev/disk/by-id/nvme-*_${volumeSerial} 2>/dev/null | sed -n 's/^Filesystem created: *//p'`],
    ["gatewayActive", `systemctl is-active ${layout.gatewayUnit}`],
    ["gatewayEnabled", `systemctl is-enabled ${layout.gatewayUnit}`],
    ["traefikActive", `systemctl is-active ${layout.traefikUnit}`],
    ["traefikEnabled", `systemctl is-enabled ${layout.traefikUnit}`],
    ["hostName", "hostnamectl hostname"],
    ["gatewayRestarts", `systemctl show -p NRestarts --value ${layout.gatewayUnit}`],
    ["leaseRefusals", `journalctl -b -u ${layout.gatewayUnit} -o cat --no-pager | grep -c 'owner lease is still active' || true`],
    ["gatewayUnitFile", `test -f /etc/systemd/system/${layout.gatewayUnit} && echo present || echo absent`],
    ["nodeProcesses", "ps -e -o comm= | grep -c -E '^(node|openclaw)' || true"],
    ["healthz", `curl -s -o /dev/null -w '%{http_code}' --max-time 10 ${layout.healthUrl}`],
    ["healthzViaProxy", "curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:443/healthz"],
    ["tokenSha256", `sed -n 's/^OPENCLAW_GATEWAY_TOKEN=//p' ${layout.secretsEnvFile} | tr -d '\\n' | sha256sum | cut -d' ' -f1`],
    ["marker", `cat ${layout.stateDir}/vmtest-marker`],
    ["sqliteIdentity", `stat -c '%i %W' ${layout.stateDir}/state/openclaw.sqlite`],
    ["rootRuntime", "ls /opt/openclaw 2>/dev/null | tr '\\n' ' '"],
    ["mkfsInLog", `grep -c 'creating ext4' ${layout.bootstrapLog}`],
    ["keptFsInLog", `grep -c 'already holds a filesystem; keeping it' ${layout.bootstrapLog}`],
    ["logLines", `wc -l < ${layout.bootstrapLog}`],
  ];
  return facts.map(([key, cmd]) => `printf '%s\\t%s\\n' ${key} "$( (${cmd}) 2>/dev/null | head -c 2000 | tr '\\n\\t' '  ' | sed 's/ *$//')"`).join("\n");
}

/** The gateway's recent journal, to explain a failed health check in the test's failure message. */
export function gatewayJournalScript(s: Pick<GatewaySettings, "environment" | "versions">): string {
  const layout = hostContract(s);
  return `systemctl status --no-pager ${layout.gatewayUnit} | head -5; journalctl -u ${layout.gatewayUnit} --no-pager -o cat | tail -25 | cut -c1-400`;
}

/** Parses the probe's output. */
export function parseFacts(output: string): GuestFacts {
  const facts: GuestFacts = {};
  for (const line of output.split("\n")) {
    const tab = line.indexOf("\t");
    if (tab > 0) facts[line.slice(0, tab)] = line.slice(tab + 1);
  }
  return facts;
}
