import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hostContract } from "../../modules/host/contract";
import { imdsFirewallRules } from "../../modules/host/units";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * The rendered nftables rules, applied by the real nft in a throwaway network namespace (unshare -n)
 * whose loopback carries the IMDS address with a small HTTP server behind it: root gets an answer,
 * every other user is refused at once, and with DNS-01 the Traefik user gets through. Needs root, nft
 * (package nftables), unshare and setpriv (util-linux), ip (iproute2), curl; about a second.
 */
const tools = ["nft", "unshare", "setpriv", "ip", "curl"];
function problem(): string | undefined {
  if (process.getuid?.() !== 0) return "it needs root (a network namespace and nft)";
  const missing = tools.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  if (missing.length) return `${missing.join(", ")} not installed (bash __tests__/setup/boot-tests.sh installs them)`;
  return undefined;
}
const can = requireInCi(problem(), "the IMDS firewall rules with the real nft");
const c = hostContract(testSettings());
const IMDS = c.imdsAddresses[0];

/** `curl` of the IMDS address as USER (root: directly), printed as "<http code> <curl exit status>". */
const curlAs = (user: string) => {
  const curl = `curl -q -s -o /dev/null -w '%{http_code}' --max-time 5 http://${IMDS}/latest/api/token`;
  const as = user === "root" ? curl : `setpriv --reuid=${user} --regid=$(id -g ${user}) --clear-groups ${curl}`;
  return `code=$(${as}) && status=0 || status=$?; echo "${user} $code $status"`;
};

/** Applies the rules twice (idempotent) in a new network namespace and asks IMDS as each user. */
function probe(rules: string, users: string[]): { status: number | null; lines: string[]; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imds-firewall-"));
  try {
    const file = path.join(dir, "rules.nft");
    fs.writeFileSync(file, rules);
    const server = `require("http").createServer((q, r) => r.end("token")).listen(80, "${IMDS}")`;
    const script = `set -euo pipefail
ip link set lo up
ip addr add ${IMDS}/32 dev lo
${JSON.stringify(process.execPath)} -e '${server}' &
for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 http://${IMDS}/ && break; sleep 0.05; done
nft -f ${file}
nft -f ${file}
echo "tables $(nft list tables | grep -c openclaw_imds)"
${users.map(curlAs).join("\n")}
kill %1`;
    const result = spawnSync("unshare", ["-n", "bash", "-c", script], { encoding: "utf8", timeout: 30_000 });
    const output = `${result.stdout}${result.stderr}`;
    return { status: result.status, lines: result.stdout.trim().split("\n"), output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the IMDS firewall (real nft, own network namespace)", () => {
  (can ? test : test.skip)("without a hosted zone: root gets its answer, any other user is refused at once (curl exit 7, not a timeout)", () => {
    const result = probe(imdsFirewallRules(testSettings(), c), ["root", "nobody", "daemon"]);
    expect(result.status).toBe(0);
    expect(result.lines).toEqual(["tables 1", "root 200 0", "nobody 000 7", "daemon 000 7"]);
  });

  (can ? test : test.skip)("with a hosted zone (DNS-01): the Traefik user gets through too, nobody else", () => {
    // This machine has no traefik user: the rules name an existing one in its place.
    const rules = imdsFirewallRules(testSettings({ hostedZoneId: "Z0123456789ABCDEFGHIJ" }), { ...c, traefikUser: "daemon" });
    const result = probe(rules, ["root", "daemon", "nobody"]);
    expect(result.status).toBe(0);
    expect(result.lines).toEqual(["tables 1", "root 200 0", "daemon 200 0", "nobody 000 7"]);
  });

  (can ? test : test.skip)("the check is live: without the rules every user gets through", () => {
    const result = probe("", ["root", "nobody"]);
    expect(result.lines).toEqual(["tables 0", "root 200 0", "nobody 200 0"]);
  });
});
