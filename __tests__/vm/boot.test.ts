/**
 * The boot proof: the rendered debian12 user data, unchanged, through real cloud-init and systemd
 * in a qemu VM (TCG), with a real NVMe data disk that outlives the VM, against a fake IMDSv2 and a
 * fake AWS API on the host. The scenarios run in order and share the fake cloud and the data disk:
 * first boot → a person's browser pairs and chats (1b) → reboot → replacement on a volume restored from a copy of the
 * data disk (npm run restore; attach refused 3 times first) → the person's browser after the replacement (3b) → attach
 * refused forever.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { get } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { ANTHROPIC_API_KEY, GATEWAY_TOKEN, GATEWAY_TOKEN_PLACEHOLDER, secretParameterName } from "../../modules/secrets-catalogue";
import { DATA_VOLUME_ROLE, resourceNames, ROLE_TAG } from "../../modules/names";
import type { Volume } from "../../modules/ops/aws";
import { MOVED_TAGS, moveDataVolumeTags } from "../../modules/ops/restore";
import { commandDocument } from "../../modules/ops/documents";
import { APPROVE_DEVICE } from "../../modules/ops/operations";
import { shellQuote } from "../../modules/host/shell";
import { GatewaySettings, resolveSettings } from "../../modules/settings/settings";
import { hostContract } from "../../modules/host/contract";
import { renderUserData } from "../../modules/host/user-data";
import { LAUNCH_HOOK } from "../../modules/host/steps";
import { openclawConfigLocation } from "../../modules/host/pins";
import { AwsOperation, secretParameters } from "../helpers/fake-cloud";
import { fakeVolumeTags, sha256 } from "./harness/fake-aws";
import { ensureImage, GUEST_PORTS, REPO_ROOT, startWorld, VM_CACHE, vmDownloads, VmWorld } from "./harness/harness";
import { ElasticIpRelay, startElasticIpRelay } from "./harness/elastic-ip";
import { budgetFromEnv, Pace, Window } from "./harness/pace";
import { freePort } from "../helpers/free-port";
import { gatewayJournalScript, GuestFacts, guestProbe, unexplainedRestarts } from "./harness/probe";
import { createBlankDisk, killAllVms, SERVICES_IP, Vm } from "./harness/qemu";
import { ScenarioLedger } from "./harness/scenarios";
import { tcgVendorData } from "./harness/tcg-lease-cap";
import { connectDevice } from "../helpers/openclaw-device-client";
import { OpenclawFixture, openclawFixture, openclawFixtureProblem, startProxy } from "../helpers/openclaw-harness";
import { requireInCi } from "../helpers/settings";
import { localSsmAgent, OpsRun, runDevices, ScriptRunner } from "../helpers/local-ssm-agent";
import { browserProblem, launchBrowser } from "../browser/harness/browser";
import { createTestCa, TestCa } from "../browser/harness/ca";
import {
  ASKS_FOR_APPROVAL, connectWithToken, openControlUi, openOwnerLink, reloadUntilConversation, sendChat, waitUntilApproved,
} from "../browser/harness/control-ui";
import { mockProviderOverlay, ModelMock, notMessagesCalls, requestsCarrying, startModelMock } from "../browser/harness/model-mock";
import { clientFacingAddress, RunningTlsProxy, startTlsProxy } from "../browser/harness/tls-proxy";
import { writeVmTimings } from "../helpers/timings";

const DATA_VOLUME_ID = "vol-0a1b2c3d4e5f60718";
const SERIAL = DATA_VOLUME_ID.replace("-", "");
/** The volume `npm run restore` creates in scenario 3 from the "snapshot" (a copy of the data disk). */
const RESTORED_VOLUME_ID = "vol-0f1e2d3c4b5a69788";
const MINUTE = 60_000;
/** The model mock's one answer (scenario 1b). */
const REPLY = "Hello from the mock model: the deployed host reached me.";
/** The browser's screenshots (reports/ is CI's artifact folder). */
const SCREENSHOTS = join(REPO_ROOT, "reports/vm-browser");

/** What the VM proof needs on the host; undefined when everything is there. */
function missingTools(): string | undefined {
  const tools = ["qemu-system-x86_64", "qemu-img", "genisoimage", "socat", "gcc", "debootstrap", "mkfs.ext4"];
  const missing = tools.filter((t) => {
    try {
      execFileSync("sh", ["-c", `command -v ${t}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) return `missing host tools: ${missing.join(", ")} (apt-get install qemu-system-x86 qemu-utils genisoimage socat gcc debootstrap)`;
  if (process.getuid && process.getuid() !== 0) return "the image build needs root (debootstrap, chroot)";
  // The person's browser (scenario 1b): Debian's Chromium, caddy for TLS, certutil for the test CA.
  const browserTools = ["caddy", "certutil", "openssl"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
  if (browserTools.length) return `missing ${browserTools.join(", ")} (Debian: apt-get install caddy libnss3-tools openssl)`;
  const address = clientFacingAddress();
  if (typeof address !== "string") return address.problem;
  if (browserProblem()) return browserProblem();
  // The remote device that pairs with the guest's gateway is openclaw's own client, run on the host.
  return openclawFixtureProblem();
}

const npmVersion = execFileSync("npm", ["--version"]).toString().trim();
const enabled = requireInCi(missingTools(), "VM boot proof (__tests__/vm/boot.test.ts)");
const vmSettings = {
  environment: "vmtest",
  hostOs: "debian12",
  instanceType: "t3.small", // x86_64: the VM is an x86_64 qemu guest
  domainName: "gateway.vmtest.example.org",
  acmeEmail: "ops@example.org",
  // The VM's domain never resolves to the fake Elastic IP: the DNS wait must time out, and quickly
  // (one lookup, a 10 s pause, a second lookup, then on), not after the 600 s default.
  dnsWaitSeconds: 10,
  // The deployment's own provider settings point Anthropic's Messages API at the model mock on the host
  // (reached like every host service, through a guestfwd on the link-local services address: hence privateNetwork).
  openclaw: mockProviderOverlay(`http://${SERVICES_IP}:${GUEST_PORTS.model}`, true),
};
/**
 * The downloads point at the host's mirrors, pinned to what they serve (building them needs the
 * VM's tools: a skipped suite keeps the default downloads, its settings are only rendered, never booted).
 */
const settings: GatewaySettings = resolveSettings(enabled
  ? { ...vmSettings, downloads: vmDownloads(resolveSettings(vmSettings).versions, npmVersion) }
  : vmSettings);
const layout = hostContract(settings);
const names = resourceNames(settings);
/** The facts probe of the guests, whose data volume is the NVMe disk with this serial (scenario 3's restore changes it). */
const factsProbeFor = (serial: string) => guestProbe(settings, serial);
const describeVm = enabled ? describe : describe.skip;

const suiteStart = Date.now();
/**
 * Every wait below is a window from the pace: a base (what passes with a wide margin on the reference
 * machine) × the guest's measured speed, capped, and cut to what is left of the suite's budget
 * (VM_PROOF_BUDGET_SECONDS, set by .ci/run from its bound). Calibrations: the first VM's
 * start → agent hello, then the first boot's start → healthy.
 */
const pace = new Pace(budgetFromEnv(), suiteStart);
/** jest's own per-test limit: the whole budget, so a scenario always ends on our window's message first. */
const TEST_TIMEOUT = pace.budgetMs + MINUTE;
/** A window from the pace, announced on the progress stream. */
const windowFor = (name: string, baseMs: number, capMs: number): Window => {
  const w = pace.window(name, baseMs, capMs);
  progress(`window ${w.describe}`);
  return w;
};
/** Runs `wait`; when it fails, the error names the window and how it was reached. */
async function within<T>(w: Window, wait: (ms: number) => Promise<T>): Promise<T> {
  try {
    return await wait(w.ms);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n(window ${w.describe})`);
  }
}
/** Progress on stderr right away (jest holds console output until the file ends; a run takes minutes). */
const progress = (message: string): void => {
  process.stderr.write(`[vm +${((Date.now() - suiteStart) / 1000).toFixed(0)}s] ${message}\n`);
};

/**
 * Chromium's processes get the lowest CPU priority (nice 19). Its GPU process raises its own (nice -8) and, with a page
 * open, software-composited animation frames took ~40 % of a core beside the emulated guest (top, 2026-12-03), which
 * needs both cores for the very gateway the page waits on. The browser stands for a person's own machine: it must not
 * slow the host under test. Called after each launch of a page, which may start new Chromium processes.
 */
function yieldToTheGuest(): void {
  spawnSync("sh", ["-c", "for pid in $(pgrep -f /usr/lib/chromium/chromium); do renice -n 19 -p \"$pid\" >/dev/null; done"]);
}

/** The gateway's and its secrets unit's state and this boot's journal: why a wait for health ran out. */
function unitsAndJournalScript(): string {
  const units = `${layout.secretsUnit} ${layout.gatewayUnit}`;
  return `systemctl status --no-pager ${units} 2>&1 | head -40
journalctl -b --no-pager -o short-monotonic -u ${layout.secretsUnit} -u ${layout.gatewayUnit} | tail -60 | cut -c1-400`;
}

/** Fails on a gateway restart the known TCG start cap does not explain; reports the explained ones. */
function expectRestartsExplained(scenario: string, facts: GuestFacts): void {
  // The harness's scaled lease-heartbeat cap was in force (tcg-lease-cap.ts): its line is in this boot's journal.
  expect(Number(facts.leaseCapScaled)).toBeGreaterThan(0);
  if (facts.gatewayRestarts !== "0") progress(`${scenario}: the gateway restarted ${facts.gatewayRestarts} time(s) before it became healthy (lease-heartbeat cap exits: ${facts.heartbeatCapExits}): ${facts.gatewayFailures}`);
  expect(unexplainedRestarts(facts)).toBe("");
}

/** Status of GET url, 0 when unreachable. */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

interface Instance {
  vm: Vm;
  instanceId: string;
  /** Host port forwarded to the guest's :443 (the Traefik stand-in). */
  hostPort: number;
  /** Resolves with ms from VM start to the first 200 from /healthz through the hostfwd (via the proxy stand-in). */
  healthy: Promise<number>;
  stopPolling: () => void;
}

describeVm("boot proof in a real VM (qemu TCG, cloud-init, systemd)", () => {
  let world: VmWorld;
  let image: string;
  const dataDisk = join(VM_CACHE, "run", "data-volume.qcow2");
  /** The data volume restored from a "snapshot" of dataDisk in scenario 3 (npm run restore). */
  const restoredDisk = join(VM_CACHE, "run", "data-volume-restored.qcow2");
  /** The disk the next instance gets as its data volume: dataDisk, then (scenario 3 on) the restored one. */
  let currentDisk = { path: dataDisk, serial: SERIAL };
  const instances: Instance[] = [];
  const timings: Record<string, number> = {};
  /** What the run observed for open questions (printed with the timings, asserted nowhere). */
  const evidence: string[] = [];
  /** Facts the scenarios hand on (scenario 1's boot facts, the paired device); a missing one names its scenario's failure. */
  const ledger = new ScenarioLedger();
  const BOOT_FACTS = "the first boot's facts (boot id, filesystem UUID, token hash, marker, sqlite identity)";
  const DEVICE_PAIRED = "the remote device's pairing";
  const COMPILE_CACHE = "the files of the gateway's compile cache the reboot left on the volume";
  const userData = gzipSync(renderUserData(settings).script, { level: 9 });
  /** The remote device's own state (its signed identity), kept on the host across instances like a laptop's. */
  const deviceDir = mkdtempSync(join(tmpdir(), "vmtest-device-"));
  let fixture: OpenclawFixture;
  /** A person's browser (issue 17): the model mock, the test CA, caddy for TLS, the Elastic IP relay, Chromium. */
  let mock: ModelMock;
  let ca: TestCa;
  let relay: ElasticIpRelay;
  let tls: RunningTlsProxy;
  let browser: Browser;
  let owner: Page;
  /** What the owner typed in scenario 1b (its conversation must survive the replacement, scenario 3b). */
  let ownerText = "";
  const OWNER_PAIRED = "the owner's browser, paired and chatting";
  /** The replacement instance is healthy and let the paired device in (scenario 3b's browser needs it). */
  const REPLACED = "the replacement, healthy with the restored volume";

  /**
   * Connects the remote device to an instance the way a laptop on the Internet does: through a proxy
   * on the host that sets X-Forwarded-For to a public client address (Traefik's job on EC2), then the
   * forwarded port, the guest's Traefik stand-in (plain TCP) and the gateway.
   */
  async function connectLaptop(instance: Instance) {
    // Generous: on a slow guest the gateway's first WebSocket answer took longer than the client's old fixed 20 s.
    const w = windowFor("device connect", 90_000, 5 * MINUTE);
    const proxy = await startProxy(instance.hostPort, "198.51.100.23");
    try {
      const token = world.aws.parameters.get(secretParameterName(settings, GATEWAY_TOKEN))!.value;
      const result = await connectDevice(fixture, proxy.url.replace(/^http/, "ws"), token, deviceDir, "vmtest-laptop", {
        connectTimeoutMs: w.ms, retrySocketErrors: true,
      });
      progress(`device connect: ${JSON.stringify(result.ok ? { ok: true, role: result.role } : { ok: false, code: result.code, message: result.message })}`);
      return result;
    } finally {
      await proxy.stop();
    }
  }

  beforeAll(async () => {
    fixture = openclawFixture() as OpenclawFixture;
    const started = Date.now();
    image = ensureImage();
    timings["image (build or restore)"] = Date.now() - started;
    world = await startWorld(settings, DATA_VOLUME_ID, npmVersion);
    // The model provider's API, where the deployment's settings point it (vmSettings.openclaw).
    mock = await startModelMock(REPLY);
    world.guestForwards.push({ guestIp: SERVICES_IP, guestPort: GUEST_PORTS.model, hostPort: mock.port });
    // The public side: https://<domain> through caddy (test CA) → the Elastic IP relay → the instance's forwarded :443.
    ca = createTestCa(settings.domainName);
    relay = await startElasticIpRelay();
    tls = await startTlsProxy({
      domain: settings.domainName, cert: ca.leafCert, key: ca.leafKey,
      upstream: { host: "127.0.0.1", port: relay.port }, workDir: join(ca.dir, "caddy"),
    });
    browser = await launchBrowser({ domain: settings.domainName, address: tls.address, port: tls.port, home: ca.browserHome });
    yieldToTheGuest();
    mkdirSync(SCREENSHOTS, { recursive: true });
    timings["host services + artifacts"] = Date.now() - started - timings["image (build or restore)"];
    execFileSync("mkdir", ["-p", join(VM_CACHE, "run")]);
    createBlankDisk(dataDisk, 4); // a brand-new EBS volume: no filesystem
    progress(`budget ${pace.budgetMs / 1000} s; ${(pace.remainingMs() / 1000).toFixed(0)} s left after the image and host services`);
  }, TEST_TIMEOUT);

  afterAll(async () => {
    instances.forEach((i) => i.stopPolling());
    killAllVms();
    await browser?.close();
    await tls?.stop();
    await relay?.stop();
    ca?.remove();
    await mock?.stop();
    await world?.close();
    writeVmTimings(join(VM_CACHE, "run"));
    rmSync(deviceDir, { recursive: true, force: true });
    const lines = [
      ...Object.entries(timings).map(([k, v]) => `  ${k}: ${(v / 1000).toFixed(1)}`),
      `  speed factor used: ×${pace.factor.toFixed(2)} (${pace.calibrations().join("; ") || "no calibration"})`,
    ];
    progress(`timings (s):\n${lines.join("\n")}`);
    // eslint-disable-next-line no-console
    console.log(`VM boot proof timings (s):\n${lines.join("\n")}${evidence.length ? `\nevidence:\n${evidence.join("\n")}` : ""}`);
  });

  /** Boots a new instance (fresh root overlay, the shared data disk) and polls its health from the host. */
  async function launch(label: string, instanceId: string): Promise<Instance> {
    world.imds.current = {
      instanceId, region: settings.region, availabilityZone: settings.availabilityZone,
      instanceType: settings.instanceType, imageId: "ami-0debian12vmtest", privateIp: "169.254.0.15",
    };
    const hostPort = await freePort();
    // Boots counted before this VM exists: a late hello from a VM killed earlier is not this one's.
    const bootsBefore = world.control.boots.length;
    const agentWindow = windowFor(`${label}: guest agent up`, 5 * MINUTE, 10 * MINUTE);
    const vm = new Vm({
      workDir: join(VM_CACHE, "run", label), imageDir: image, userData, instanceId, hostname: label,
      dataDisk: currentDisk, guestForwards: world.guestForwards, vendorData: tcgVendorData(settings),
      hostForwards: [{ hostPort, guestPort: 443 }],
      // The wall-clock limit after which qemu is killed whatever happens: the rest of the budget.
      timeoutMs: Math.max(MINUTE, pace.remainingMs()),
    });
    let polling = true;
    const healthy = (async () => {
      while (polling) {
        if ((await httpStatus(`http://127.0.0.1:${hostPort}/healthz`)) === 200) return Date.now() - vm.startedAt;
        await new Promise((r) => setTimeout(r, 2000));
      }
      return -1;
    })();
    const instance = { vm, instanceId, hostPort, healthy, stopPolling: () => (polling = false) };
    // The boot associates the Elastic IP with this instance; the browser's relay follows it.
    relay.associate(hostPort);
    progress(`${label}: started ${instanceId} (serial console: ${join(VM_CACHE, "run", label, "serial.log")})`);
    void healthy.then((ms) => ms >= 0 && progress(`${label}: /healthz 200 through the hostfwd ${(ms / 1000).toFixed(0)} s after VM start`));
    instances.push(instance);
    await within(agentWindow, (ms) => world.control.waitForBoot(bootsBefore, ms)).catch((err: Error) => {
      throw new Error(`${err.message}\n--- serial console tail ---\n${vm.serial().slice(-4000)}`);
    });
    const agentUp = Date.now() - vm.startedAt;
    timings[`${label}: VM start → guest agent up`] = agentUp;
    // Calibration: how long this guest took to boot to the agent, against the reference machine's.
    const factor = pace.observe("agentUp", agentUp);
    progress(`${label}: guest agent up ${(agentUp / 1000).toFixed(0)} s after VM start; speed factor now ×${factor.toFixed(2)}`);
    return instance;
  }

  /** Waits until cloud-init has finished every stage (the boot script ran to its end or failed). */
  async function cloudInitFinished(instance: Instance, baseMs: number): Promise<void> {
    const w = windowFor(`${instance.vm.spec.hostname}: cloud-init finished`, baseMs, 3 * baseMs);
    const wait = await within(w, (ms) => world.control.run("while [ ! -f /run/cloud-init/result.json ]; do sleep 2; done", ms));
    if (wait.exitCode !== 0) throw new Error(`cloud-init did not finish (agent exit ${wait.exitCode})\n${instance.vm.serial().slice(-4000)}`);
    progress(`${instance.vm.spec.hostname}: cloud-init finished ${((Date.now() - instance.vm.startedAt) / 1000).toFixed(0)} s after VM start`);
  }

  /** The guest's facts; when the gateway is not healthy, fails with its journal (the why, not just "not 200"). */
  async function probe(expectHealthy = true): Promise<GuestFacts> {
    const w = windowFor("probe", 2 * MINUTE, 6 * MINUTE);
    const factsProbe = factsProbeFor(currentDisk.serial);
    const facts = factsProbe.parse((await within(w, (ms) => world.control.run(factsProbe.script, ms))).output);
    progress(`probe: cloud-init errors ${facts.cloudInitErrors}, gateway ${facts.gatewayActive}, /healthz ${facts.healthz} (GET ${facts.healthzTries} of 6), gateway memory ${facts.gatewayMemory}`);
    if (expectHealthy && facts.healthz !== "200") {
      const journal = (await world.control.run(gatewayJournalScript(settings), windowFor("gateway journal", 2 * MINUTE, 6 * MINUTE).ms)).output;
      const why = `gateway not healthy (/healthz ${facts.healthz}, unit ${facts.gatewayActive}); cloud-init errors: ${facts.cloudInitErrors}\n--- gateway journal ---\n${journal}\n--- bootstrap log tail ---\n${(await bootstrapLog()).split("\n").slice(-15).join("\n")}`;
      progress(why);
      throw new Error(why);
    }
    return facts;
  }
  const bootstrapLog = async () => (await world.control.run(`cat ${layout.bootstrapLog}`, windowFor("read the bootstrap log", 2 * MINUTE, 6 * MINUTE).ms)).output;
  const callsBy = (instanceId: string, operation: AwsOperation, okOnly = true) =>
    world.aws.callsOf(operation, okOnly).filter((c) => c.caller === instanceId);

  /** Pulls the plug on an instance and lets the fake EC2 detach what it held, as a terminate does. */
  async function terminate(instance: Instance | undefined): Promise<void> {
    if (!instance) return; // a scenario run on its own (jest -t) has no predecessor
    instance.stopPolling();
    await instance.vm.kill();
    world.aws.terminate(instance.instanceId);
  }

  /**
   * Waits for a 200 from /healthz through the hostfwd (the proxy stand-in), polled from the host every 5 s: it costs
   * the guest one proxied request, where a loop in the guest (curl + systemctl every 2 s) took CPU from a gateway
   * whose start is racing openclaw's 5 s lease-heartbeat cap. Resolves true on a 200, false when `ms` ran out.
   */
  async function healthyFromHost(instance: Instance, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if ((await httpStatus(`http://127.0.0.1:${instance.hostPort}/healthz`)) === 200) return true;
      await new Promise((r) => setTimeout(r, 5000));
    }
    return false;
  }

  /** ms from VM start to the host's first 200 through the hostfwd; bounded (the guest already answered inside). */
  async function hostSawHealthy(instance: Instance): Promise<number> {
    const w = windowFor(`${instance.vm.spec.hostname}: /healthz through the hostfwd`, 2 * MINUTE, 6 * MINUTE);
    return within(w, (ms) => new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the host saw no 200 from /healthz through the hostfwd within ${ms / 1000} s`)), ms);
      void instance.healthy.then((v) => {
        clearTimeout(timer);
        resolve(v);
      });
    }));
  }

  /** One scenario: a jest test whose outcome (and its error) the ledger keeps for its successors. */
  const scenario = (id: string, title: string, body: () => Promise<void>) =>
    test(`${id}. ${title}`, () => {
      const started = Date.now();
      progress(`scenario ${id}: start (${(pace.remainingMs() / 1000).toFixed(0)} s of the budget left)`);
      return ledger.run(id, body).finally(() => {
        timings[`scenario ${id} (whole test)`] = Date.now() - started;
        progress(`scenario ${id}: ended after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      });
    }, TEST_TIMEOUT);

  scenario("1", "first boot: the script runs to the end, formats and mounts the volume, starts healthy units, generates and stores the token", async () => {
    const vm1 = await launch("first", "i-0a000000000000001");
    await cloudInitFinished(vm1, 15 * MINUTE);
    const facts = await probe();
    const log = await bootstrapLog();

    // cloud-init ran the user data with exit status 0 and the script reached its last step.
    expect(facts.cloudInitErrors).toBe("[]");
    expect(log).toContain("==> done");
    expect(log).not.toContain("FAILED");
    // The blank NVMe disk found by its serial was formatted once and mounted.
    expect(facts.volumeDevice).toMatch(/^\/dev\/nvme\dn1$/);
    expect(facts.mountSource).toBe(facts.volumeDevice);
    expect(facts.mountFsType).toBe("ext4");
    expect(facts.mkfsInLog).toBe("1");
    // Real systemd: both units enabled and active, the gateway healthy inside and through the proxy.
    expect([facts.gatewayEnabled, facts.gatewayActive, facts.traefikEnabled, facts.traefikActive]).toEqual(["enabled", "active", "enabled", "active"]);
    expect(facts.healthz).toBe("200");
    expect(facts.healthzViaProxy).toBe("200");
    expectRestartsExplained("first boot", facts);
    // The environment's stable host name (the key to lease reclaim on a replacement, test 3).
    expect(facts.hostName).toBe(layout.hostName);
    // The DNS wait ran before Traefik's first start and ended (bounded by dnsWaitSeconds) without
    // failing the boot: the domain does not resolve to this instance's Elastic IP (from IMDS) here.
    const eip = world.aws.addresses[0].publicIp;
    const dnsWait = log.indexOf("==> wait for DNS");
    const dnsGaveUp = log.indexOf(`openclaw-boot: DNS NOT READY after ${settings.dnsWaitSeconds} s: ${settings.domainName} resolves to `);
    expect(dnsWait).toBeGreaterThan(-1);
    expect(dnsGaveUp).toBeGreaterThan(dnsWait);
    expect(log.indexOf("==> start services")).toBeGreaterThan(dnsGaveUp);
    expect(log).toContain(`, this instance is ${eip}; continuing without a certificate`);
    // The certificate guard's timer is enabled and waiting (real systemd).
    const guardWindow = windowFor("cert guard timer state", 30_000, 2 * MINUTE);
    const guardTimer = await within(guardWindow, (ms) =>
      world.control.run(`systemctl is-enabled ${layout.certGuardTimerUnit}; systemctl is-active ${layout.certGuardTimerUnit}`, ms));
    expect(guardTimer.output.trim().split("\n")).toEqual(["enabled", "active"]);
    timings["first boot: VM start → healthy (host, via hostfwd)"] = await hostSawHealthy(vm1);
    // Calibration 2: the whole first boot (npm install, gateway start) against the reference machine's.
    pace.observe("firstBootHealthy", timings["first boot: VM start → healthy (host, via hostfwd)"]);
    progress(`first boot healthy; speed factor now ×${pace.factor.toFixed(2)} (${pace.calibrations().join("; ")})`);
    // openclaw-apply-config under its real unit (its hardening and capability set, real systemd) against the file the
    // boot wrote: one run finds it unchanged and succeeds. Before its unit could read the service user's 0700 state
    // directory (CAP_DAC_READ_SEARCH), every run rewrote the file and failed (seen here on 2026-12-02).
    const apply = await within(windowFor("openclaw-apply-config run", 2 * MINUTE, 6 * MINUTE), (ms) => world.control.run(
      `systemctl start ${layout.applyConfigServiceUnit}; echo "start=$?"; systemctl show -p Result --value ${layout.applyConfigServiceUnit}; `
        + `journalctl -u ${layout.applyConfigServiceUnit} -o cat --no-pager | tail -n 8; `
        + "systemctl show -p NRestarts -p ExecMainStartTimestampMonotonic openclaw-gateway.service", ms));
    evidence.push(`openclaw-apply-config run after the first boot:\n${apply.output.trim().split("\n").map((l) => `    ${l}`).join("\n")}`);
    expect(apply.output).toContain("start=0\nsuccess\n");
    expect(apply.output).toMatch(/^openclaw-apply-config: unchanged: /m);
    expect(apply.output).not.toMatch(/Permission denied|applied \(/);

    // The fake AWS API saw the attach, the EIP association and the SSM reads, all signed by this instance.
    expect(callsBy(vm1.instanceId, "attach-volume")).toHaveLength(1);
    expect(callsBy(vm1.instanceId, "associate-address")).toHaveLength(1);
    const reads = callsBy(vm1.instanceId, "get-parameter").map((c) => c.params.Name);
    expect(reads).toEqual(expect.arrayContaining(secretParameters(settings).map((p) => p.name)));
    // The token was generated on the host, stored once, and is what the gateway runs with.
    const puts = callsBy(vm1.instanceId, "put-parameter");
    expect(puts).toHaveLength(1);
    expect(puts[0].params.Name).toBe(secretParameterName(settings, GATEWAY_TOKEN));
    const stored = world.aws.parameters.get(secretParameterName(settings, GATEWAY_TOKEN))!;
    expect(stored.value).not.toBe(GATEWAY_TOKEN_PLACEHOLDER);
    expect(stored.value).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.tokenSha256).toBe(sha256(stored.value));

    // The launch lifecycle action: CONTINUE, once, for this instance, hook and group, and only after
    // the gateway was healthy (the guest's log order; the fake saw it after the boot's other calls).
    expect(world.aws.launchCompletions.filter((c) => c.instanceId === vm1.instanceId).map((c) => c.result)).toEqual(["CONTINUE"]);
    const [completion] = callsBy(vm1.instanceId, "complete-lifecycle-action", false);
    expect(completion.params).toMatchObject({
      LifecycleHookName: LAUNCH_HOOK.name, AutoScalingGroupName: names.autoScalingGroup, InstanceId: vm1.instanceId, LifecycleActionResult: "CONTINUE" });
    expect(completion.status).toBe(200);
    expect(world.aws.calls.indexOf(completion)).toBeGreaterThan(world.aws.calls.indexOf(puts[0]));
    expect(log.indexOf("the gateway answers on /healthz")).toBeGreaterThan(0);
    expect(log.indexOf("the gateway answers on /healthz")).toBeLessThan(log.indexOf("launch lifecycle action completed: CONTINUE"));

    // Node came from the mirror (downloaded and checksum-verified by the script), openclaw through the npm proxy.
    expect(world.mirrorLog).toEqual(expect.arrayContaining([
      { path: `/v${settings.versions.node}/SHASUMS256.txt`, status: 200 },
      { path: `/v${settings.versions.node}/node-v${settings.versions.node}-linux-x64.tar.xz`, status: 200 },
    ]));
    expect(log).toContain(`sha256 of node-v${settings.versions.node}-linux-x64.tar.xz verified`);
    expect(world.npmLog.some((r) => r.path.includes(`/openclaw/-/openclaw-${settings.versions.openclaw}.tgz`) && r.status === 200)).toBe(true);

    // State the next instance must find: a marker written now, and the gateway's own sqlite. Recorded
    // before the pairing, so a pairing failure leaves scenarios 2–3 their own checks.
    const writeWindow = windowFor("write the marker, find the sqlite", 2 * MINUTE, 6 * MINUTE);
    const write = await within(writeWindow, (ms) => world.control.run(
      `echo "written by ${vm1.instanceId}" > ${layout.stateDir}/vmtest-marker && chown openclaw: ${layout.stateDir}/vmtest-marker && sync && ` +
      `for i in $(seq ${Math.floor(ms / 2000) - 5}); do [ -s ${layout.stateDir}/state/openclaw.sqlite ] && break; sleep 2; done; stat -c '%i %W' ${layout.stateDir}/state/openclaw.sqlite`, ms));
    expect(write.exitCode).toBe(0);
    ledger.record("1", BOOT_FACTS, { ...facts, marker: `written by ${vm1.instanceId}`, sqliteIdentity: write.output.trim() });

    // A remote device pairs for real: refused with "pairing required", approved on the host by the approve
    // document's own script (`npm run devices -- approve`), run by `sh` with the id in $SSM_requestId as the SSM agent
    // runs it, then let in. Its pairing lives in the gateway's sqlite on the volume; the script syncs it to disk
    // (scenario 3 takes its snapshot soon after, with no sync of its own).
    const refused = await connectLaptop(vm1);
    expect(refused).toMatchObject({ ok: false, code: "PAIRING_REQUIRED" });
    const requestId = refused.ok ? "" : refused.requestId ?? "";
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const approveWindow = windowFor("openclaw-admin devices approve", 5 * MINUTE, 10 * MINUTE);
    const approveScript = commandDocument(APPROVE_DEVICE, settings).mainSteps[0].inputs.runCommand.join("\n");
    const approve = await within(approveWindow, (ms) => world.control.run(`SSM_requestId=${shellQuote(requestId)} sh -c ${shellQuote(approveScript)}`, ms));
    expect(approve.exitCode).toBe(0);
    expect(await connectLaptop(vm1)).toMatchObject({ ok: true, role: "operator" });
    ledger.record("1", DEVICE_PAIRED, true);

    // IMDS (the host role's credentials) answers root only: the gateway's user is refused by the
    // firewall the boot loaded (openclaw-imds-firewall.service; curl prints 000 when it cannot connect).
    // Last, after everything later scenarios need is recorded: a failure here costs them nothing.
    expect({ root: facts.imdsAsRoot, serviceUser: facts.imdsAsServiceUser }).toEqual({ root: "200", serviceUser: "000" });
  });

  /**
   * The person's browser waits as long as this guest's gateway needs: `patience` multiplies the native waits of
   * control-ui.ts (30 s to see a page, 90 s for an answer). Base ×10 on the reference machine, scaled by the pace.
   */
  const browserPatience = (step: string): number => windowFor(`browser: ${step}`, 10 * 30_000, 25 * 30_000).ms / 30_000;
  /** A new page of `context` whose own waits (navigation, clicks) are scaled the same way. */
  const scaled = (page: Page, patience: number): Page => {
    page.setDefaultTimeout(30_000 * patience);
    page.setDefaultNavigationTimeout(30_000 * patience);
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
  /**
   * One step of the person's session, timed (timings) and announced; when it fails, the error carries what explains
   * it: the page as it was (a screenshot), the gateway's memory and journal in the guest, and what the model mock got.
   */
  async function browserStep<T>(name: string, page: Page, body: () => Promise<T>): Promise<T> {
    const started = Date.now();
    progress(`browser: ${name} …`);
    try {
      const result = await body();
      timings[`browser: ${name}`] = Date.now() - started;
      progress(`browser: ${name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return result;
    } catch (err) {
      const file = `failed-${name.replace(/[^a-z0-9]+/gi, "-")}.png`;
      await shot(page, file).catch(() => undefined);
      const guest = await world.control.run(
        `cg=/sys/fs/cgroup/system.slice/${layout.gatewayUnit}; `
          + `echo "memory: current=$(cat $cg/memory.current) high=$(cat $cg/memory.high) events: $(tr '\n' ' ' < $cg/memory.events)"; `
          + `journalctl -u ${layout.gatewayUnit} -o short-monotonic --no-pager | tail -n 40 | cut -c1-300`,
        windowFor("browser step diagnostics", 2 * MINUTE, 4 * MINUTE).ms).catch((e: Error) => ({ output: `(no guest diagnostics: ${e.message})` }));
      throw new Error(`browser step "${name}" failed after ${((Date.now() - started) / 1000).toFixed(0)} s: ${(err as Error).message}\n`
        + `screenshot: ${join(SCREENSHOTS, file)}\nmodel mock: ${mock.requests.length} request(s): ${mock.requests.map((r) => `${r.method} ${r.path}`).join(", ")}\n`
        + `--- guest ---\n${guest.output}`);
    }
  }
  const origin = () => `https://${settings.domainName}`;
  /**
   * Run Command as the SSM agent runs it, in the guest: the document's exact script under `sh` as root, its
   * parameters as $SSM_<name>, stdout and stderr apart (base64 through the test agent). Bounded by the pace, not the
   * document's timeout: the emulated CPU runs openclaw's CLI ~25× slower than EC2.
   */
  const inGuest: ScriptRunner = async (script, env) => {
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(" ");
    const w = windowFor("a Run Command document in the guest", 4 * MINUTE, 10 * MINUTE);
    const r = await within(w, (ms) => world.control.run(
      `err=$(mktemp); out=$(${assignments} sh -c ${shellQuote(script)} 2>"$err"); rc=$?; `
        + `echo "$rc"; printf '%s' "$out" | base64 -w 0; echo; base64 -w 0 < "$err"; echo; rm -f "$err"`, ms));
    const [code, out, err] = r.output.trimEnd().split("\n").slice(-3);
    return { code: Number(code), stdout: Buffer.from(out ?? "", "base64").toString("utf8"), stderr: Buffer.from(err ?? "", "base64").toString("utf8") };
  };
  /** `npm run devices -- <argv>` against the guest: the real CLI, its documents run in the guest. */
  const devices = async (argv: string[]): Promise<OpsRun> => {
    const token = world.aws.parameters.get(secretParameterName(settings, GATEWAY_TOKEN))!.value;
    const w = windowFor(`devices ${argv[0]}`, 5 * MINUTE, 11 * MINUTE);
    const result = await runDevices(settings, localSsmAgent(settings, { execute: inGuest }), argv, { pollMs: 1000, waitMs: w.ms });
    expect(`${result.out}${result.err}`).not.toContain(token);
    return result;
  };
  /** The key the deployment holds for Anthropic (the operator's SecureString in the fake SSM). */
  const anthropicKey = () => world.aws.parameters.get(secretParameterName(settings, ANTHROPIC_API_KEY))!.value;

  // Issue 17: the seed's acceptance test, in a real browser against the real boot's gateway. The same steps as the
  // native proof (__tests__/browser/chat.test.ts), here through the deployed host: caddy for TLS (Traefik's job; no
  // Traefik binary can be obtained here) → the Elastic IP relay → the forwarded :443 → the guest's proxy stand-in →
  // the gateway on loopback, which trusts its local proxy's X-Forwarded-For (the browser's address, not loopback).
  scenario("1b", "a person's browser: opens https://<domain>/, is paired by `npm run devices -- dashboard`, chats with the model the deployment configured; a second device waits for `devices approve`, then sees the conversation", async () => {
    ledger.need<GuestFacts>("1b", "1", BOOT_FACTS);
    const patience = browserPatience("first boot's gateway");
    // reducedMotion: the Control UI's animations cost Chromium's compositor a steady share of the two host cores, which
    // the emulated guest needs (a person with reduced motion set sees the same pages).
    owner = scaled(await browser.newPage({ reducedMotion: "reduce" }), patience);
    yieldToTheGuest();
    const opened = await browserStep("open https://<domain>/", owner, () => openControlUi(owner, origin(), patience));
    expect(opened).toEqual({ origin: origin(), secure: true, status: 200 });
    await expect(owner.getByRole("textbox", { name: "Gateway URL" }).inputValue()).resolves.toBe(`wss://${settings.domainName}`);
    await shot(owner, "1-open-url-asks-for-secret.png");

    // The owner link: the dashboard document run in the guest as SSM runs it, the link sealed to this CLI's key.
    const dashboard = await browserStep("devices dashboard (document in the guest)", owner, () => devices(["dashboard"]));
    expect(dashboard.code).toBe(0);
    const link = new URL(dashboard.out.split("\n").find((line) => line.startsWith("https://"))!);
    expect(link.origin).toBe(origin());
    await browserStep("open the owner link → connected", owner, () => openOwnerLink(owner, link.href, patience));
    expect(owner.url()).toBe(`${origin()}/chat/main`);
    await shot(owner, "2-owner-connected.png");

    // The owner chats: the guest's gateway calls the mock on the host with the key from SSM, the answer appears.
    const text = ownerText = `Hello from the owner's browser ${Date.now()}`;
    await browserStep("owner message → answer on the page", owner, () => sendChat(owner, text, REPLY, patience));
    const sent = requestsCarrying(mock.requests, text);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const request of sent) {
      expect(request).toMatchObject({ apiKey: anthropicKey(), anthropicVersion: "2023-06-01" });
      expect(request.body).toMatchObject({ stream: true, model: expect.stringMatching(/^claude-/) });
    }
    expect(notMessagesCalls(mock.requests, anthropicKey())).toEqual([]);
    await shot(owner, "3-owner-chat-answer.png");
    ledger.record("1b", OWNER_PAIRED, true);

    // Another device with the gateway token: "pairing required" until the approve document runs.
    const second = scaled(await (await browser.newContext({ reducedMotion: "reduce" })).newPage(), patience);
    yieldToTheGuest();
    const { requestId, rawError } = await browserStep("second device: token → pairing required", second,
      () => connectWithToken(second, origin(), world.aws.parameters.get(secretParameterName(settings, GATEWAY_TOKEN))!.value, patience));
    expect(requestId).toBeDefined();
    expect(rawError).toContain("pairing required");
    await shot(second, "4-second-device-pairing-required.png");
    // (The request is pending: approve names it. Each openclaw CLI run in this guest takes minutes, so the list is read once, below.)
    const approve = await browserStep("devices approve (document in the guest)", second, () => devices(["approve", requestId!]));
    expect(approve).toMatchObject({ code: 0, out: expect.stringContaining(`Approved request ${requestId}`) });
    await browserStep("second device approved → chat with the owner's history", second, async () => {
      await waitUntilApproved(second, patience);
      await second.getByRole("region", { name: "Chat" }).getByRole("log").getByText(REPLY).first().waitFor();
    });
    await shot(second, "5-second-device-approved.png");
    await second.context().close();
    // Not here, in the native twin (__tests__/browser/chat.test.ts, also run by .ci/run): the second device's own chat
    // turn and `devices list` showing both browsers paired with the browser's address. In this guest each costs minutes
    // (an openclaw CLI run took 95–221 s, a chat turn 272 s), and a second device's chat turn did not answer within
    // 6 min in one run (2026-12-03, guest idle meanwhile; not diagnosed). "pairing required" above already shows the
    // gateway took the browser for a remote client, not its local proxy.
  });

  scenario("2", "reboot of the same VM: no mkfs, the units come back by themselves, state intact", async () => {
    const before = ledger.need<GuestFacts>("2", "1", BOOT_FACTS);
    const vm1 = instances[0];
    const callsBefore = world.aws.calls.length;
    const bootsBefore = world.control.boots.length;
    const rebooted = Date.now();
    world.control.fire("sync; systemctl reboot");
    await within(windowFor("reboot: guest agent up", 5 * MINUTE, 10 * MINUTE), (ms) => world.control.waitForBoot(bootsBefore, ms));
    const healthWindow = windowFor("reboot: gateway healthy again", 6 * MINUTE, 15 * MINUTE);
    const healthy = await within(healthWindow, (ms) => healthyFromHost(vm1, ms));
    timings["reboot → healthy (host, via hostfwd)"] = Date.now() - rebooted;
    progress(`reboot: healthy ${healthy} after ${(timings["reboot → healthy (host, via hostfwd)"] / 1000).toFixed(0)} s`);
    if (!healthy) {
      const units = await world.control.run(unitsAndJournalScript(), windowFor("reboot: units and journal", 2 * MINUTE, 6 * MINUTE).ms);
      throw new Error(`reboot: the gateway was not healthy within ${(healthWindow.ms / 1000).toFixed(0)} s; its units and journal:\n${units.output}`);
    }
    const facts = await probe();

    expect(facts.bootId).not.toBe(before.bootId);
    expect(facts.instanceId).toBe(vm1.instanceId);
    // cloud-init runs user data once per instance: the script did not run again, nothing was formatted.
    expect(facts.logLines).toBe(before.logLines);
    expect(facts.mkfsInLog).toBe("1");
    expect(facts.volumeFsUuid).toBe(before.volumeFsUuid);
    expect(facts.mountSource).toBe(facts.volumeDevice); // the fstab entry (nofail) mounted it
    expect([facts.gatewayActive, facts.traefikActive, facts.healthz]).toEqual(["active", "active", "200"]);
    // cloud-init kept the host name; the gateway never met a foreign owner lease. A restart is allowed
    // only when openclaw's hard-coded 5 s lease-heartbeat start cap (openclaw/openclaw#152681) caused it:
    // under TCG a start over existing state can miss it (2 exits after a reboot in one idle rehearsal,
    // 1 in a replacement in CI) and systemd brings the gateway back, which is what the scenarios claim.
    expect(facts.hostName).toBe(before.hostName);
    expect(facts.leaseRefusals).toBe("0");
    expectRestartsExplained("reboot", facts);
    expect(facts.tokenSha256).toBe(before.tokenSha256);
    expect(facts.marker).toBe(before.marker);
    expect(facts.sqliteIdentity).toBe(before.sqliteIdentity);
    // The first boot's gateway wrote Node's compile cache when it stopped for the reboot; it is still there, on the volume.
    expect(Number(facts.compileCacheFiles)).toBeGreaterThan(0);
    ledger.record("2", COMPILE_CACHE, Number(facts.compileCacheFiles));
    // Only the secrets unit's reads and the config timer's fetch of openclaw.json (openclaw-apply-config, every 2 min:
    // CONFIG_APPLY_SCHEDULE; rehearsal r3's reboot met it, r2's happened to end before it fired).
    const config = openclawConfigLocation(settings);
    const isConfigFetch = (c: { operation: string; params: Record<string, unknown> }) =>
      c.operation === "get-object" && c.params.Bucket === config.bucket && c.params.Key === config.key;
    const rebootCalls = world.aws.calls.slice(callsBefore).filter((c) => c.operation !== "get-parameter" && !isConfigFetch(c));
    expect(rebootCalls.map((c) => `${c.operation} ${JSON.stringify(c.params)}`)).toEqual([]);
  });

  // The replacement's first attach-volume calls are refused with VolumeInUse, as EC2 does while the terminated
  // instance's detach is still in progress: the script must wait, retry and attach the same volume. (This was a
  // scenario of its own, "4a", until one boot under TCG cost ~9 min of the CI budget for a claim this boot can carry.)
  // The replacement also boots on a RESTORED data volume (npm run restore, modules/ops/restore.ts): once the first
  // instance is gone, the data disk is copied with qemu-img (the "snapshot", crash-consistent like an EBS snapshot of
  // a volume in use, and taken after scenario 1 paired the device), the copy is the new volume under a new id, and
  // the data-volume tags move to it with the tool's own moveDataVolumeTags: the old volume still exists and is
  // attachable, but no longer tagged. The boot must find and attach the restored one, with the state and pairing.
  scenario("3", "replacement on a restored volume: a new instance with a fresh root disk, attach-volume refused 3 times, attaches the volume restored from a copy of the data disk (the old one untagged), keeps its filesystem, token and state", async () => {
    const before = ledger.need<GuestFacts>("3", "1", BOOT_FACTS);
    // No sync here: the approve document synced the pairing (scenario 1). Before it did, a plug pulled ~10 s after the
    // approval (scenario 2 skipped with `jest -t`; its reboot syncs) left a copy with the device pending, not paired:
    // openclaw's sqlite (WAL) had the approval only in the page cache.
    await terminate(instances[0]);
    execFileSync("qemu-img", ["convert", "-q", "-O", "qcow2", dataDisk, restoredDisk]);
    const old = world.aws.volumes.find((v) => v.volumeId === DATA_VOLUME_ID)!;
    world.aws.volumes.push({ volumeId: RESTORED_VOLUME_ID, availabilityZone: old.availabilityZone, sizeGiB: old.sizeGiB,
      tags: Object.fromEntries(Object.entries(old.tags).filter(([k]) => !(MOVED_TAGS as readonly string[]).includes(k))) });
    await moveDataVolumeTags(fakeVolumeTags(world.aws), { id: old.volumeId, tags: { ...old.tags } } as Volume, RESTORED_VOLUME_ID, progress);
    expect(world.aws.volumes.filter((v) => v.tags[ROLE_TAG] === DATA_VOLUME_ROLE).map((v) => v.volumeId)).toEqual([RESTORED_VOLUME_ID]);
    currentDisk = { path: restoredDisk, serial: RESTORED_VOLUME_ID.replace("-", "") };
    const mirrorBefore = world.mirrorLog.length;
    const npmBefore = world.npmLog.length;
    world.aws.faults.refuseAttachVolume = 3;
    const vm2 = await launch("replacement", "i-0b000000000000002");
    await cloudInitFinished(vm2, 10 * MINUTE);
    const facts = await probe();
    const log = await bootstrapLog();

    expect(facts.instanceId).toBe(vm2.instanceId);
    expect(facts.cloudInitErrors).toBe("[]");
    expect(log).toContain("==> done");
    // Refused three times, then attached: the script waited and retried instead of failing or formatting anything.
    expect(callsBy(vm2.instanceId, "attach-volume", false).map((c) => c.errorCode ?? "ok")).toEqual(["VolumeInUse", "VolumeInUse", "VolumeInUse", "ok"]);
    // The restored volume, not the old one (still there, untagged, detached).
    expect(callsBy(vm2.instanceId, "attach-volume").map((c) => c.params.VolumeId)).toEqual([RESTORED_VOLUME_ID]);
    expect(log).toContain(`data volume ${RESTORED_VOLUME_ID}`);
    expect(world.aws.volumes.find((v) => v.volumeId === DATA_VOLUME_ID)?.attachedTo).toBeUndefined();
    expect(callsBy(vm2.instanceId, "associate-address")).toHaveLength(1);
    // Nothing reformatted: the same filesystem, kept by the script.
    expect(facts.mkfsInLog).toBe("0");
    expect(facts.keptFsInLog).toBe("1");
    expect(facts.volumeFsUuid).toBe(before.volumeFsUuid);
    expect(facts.volumeFsCreated).toBe(before.volumeFsCreated);
    // The token is the stored one, not regenerated.
    expect(callsBy(vm2.instanceId, "put-parameter")).toHaveLength(0);
    expect(facts.tokenSha256).toBe(before.tokenSha256);
    // State written by the first instance is still there; the runtimes on the volume were reused.
    expect(facts.marker).toBe(before.marker);
    expect(facts.sqliteIdentity).toBe(before.sqliteIdentity);
    // Reused only once re-verified (issue 13, item 6): Node against its kept archive, openclaw against its pinned manifest
    // (no second install from the volume's npm cache: that took ~300 s of this emulated CPU, ~13 s on EC2). This is also the
    // proof of the pin (SHIPPED_PINS.openclawTree, x86_64): the tree scenario 1's real install left on the volume matches it.
    expect(log).toContain(`Node.js ${settings.versions.node} on the volume matches its verified archive`);
    expect(log).toContain(`openclaw ${settings.versions.openclaw} on the volume matches its pinned manifest`);
    expect(log).not.toContain("differs from its pinned manifest");
    expect(log).not.toContain("matches a fresh install of its lock");
    expect(log).not.toContain("REINSTALLING");
    // Node and Traefik come from the volume; only the SSM agent (it lives on the root disk) is fetched again.
    expect(world.mirrorLog.slice(mirrorBefore).filter((r) => !r.path.endsWith("/amazon-ssm-agent.deb"))).toEqual([]);
    // openclaw was not installed again (other boot steps may still use the registry).
    expect(world.npmLog.slice(npmBefore).filter((r) => r.path.includes("/openclaw/-/"))).toEqual([]);
    expect([facts.gatewayActive, facts.traefikActive, facts.healthz]).toEqual(["active", "active", "200"]);
    // The killed first instance left its state lease on the volume. Same host name → openclaw sees its
    // owner is dead and reclaims it: no crash loop waiting out the 5-minute TTL (openclaw/openclaw#155644).
    expect(facts.hostName).toBe(before.hostName);
    expect(facts.leaseRefusals).toBe("0");
    expectRestartsExplained("replacement", facts);
    // The gateway's compile cache came with the volume (the reboot's clean stop wrote it; a killed instance writes
    // none): the replacement's first start found its predecessor's code cache instead of compiling openclaw again.
    // (Only when scenario 2 ran: a run of scenarios 1 and 3 alone, `jest -t`, has no clean stop before the replacement.)
    if (timings["reboot → healthy (host, via hostfwd)"] !== undefined) {
      expect(Number(facts.compileCacheFiles)).toBeGreaterThanOrEqual(ledger.need<number>("3", "2", COMPILE_CACHE));
    }
    timings["replacement: VM start → healthy (host, via hostfwd)"] = await hostSawHealthy(vm2);
    // The device paired on the first instance is let in by the new one without pairing again.
    ledger.need<boolean>("3", "1", DEVICE_PAIRED);
    expect(await connectLaptop(vm2)).toMatchObject({ ok: true, role: "operator" });
    ledger.record("3", REPLACED, true);
  });

  // Issue 17 step 6: the owner's browser (same profile) after the replacement, through the same origin and Elastic IP.
  scenario("3b", "the owner's browser after the replacement: reconnects through the same origin without pairing again, its conversation still there", async () => {
    ledger.need<boolean>("3b", "1b", OWNER_PAIRED);
    ledger.need<boolean>("3b", "3", REPLACED);
    const patience = browserPatience("replacement's gateway");
    scaled(owner, patience);
    yieldToTheGuest();
    // A reload: nothing of the page's memory is left, only the browser profile (its device identity and token). The
    // replacement's gateway may answer the page's request for the conversation after the page's 60 s deadline (65 s in
    // the run of 2026-12-03, a cold start under emulation): the page then offers "Retry", which a person clicks.
    const retries = await browserStep("owner reloads after the replacement → connected, conversation shown", owner,
      () => reloadUntilConversation(owner, [ownerText, REPLY], patience));
    evidence.push(`the owner's page after the replacement: the conversation loaded after ${retries} Retry click(s)`);
    progress(`browser: the conversation loaded after ${retries} Retry click(s)`);
    expect(owner.url()).toBe(`${origin()}/chat/main`);
    await expect(owner.getByRole("heading", { name: ASKS_FOR_APPROVAL }).count()).resolves.toBe(0);
    await shot(owner, "6-owner-after-replacement.png");
  });

  scenario("4b", "fault: attach-volume refused forever → the script fails loudly naming the step and never starts the gateway on the root disk", async () => {
    await terminate(instances[instances.length - 1]);
    world.aws.faults.refuseAttachVolume = Number.POSITIVE_INFINITY;
    const vm4 = await launch("attach-refused", "i-0d000000000000004");
    await cloudInitFinished(vm4, 10 * MINUTE);
    timings["attach refused forever: cloud-init gave up after"] = Date.now() - vm4.vm.startedAt;
    const facts = await probe(false);
    const log = await bootstrapLog();

    expect(callsBy(vm4.instanceId, "attach-volume", false).length).toBeGreaterThan(1);
    expect(callsBy(vm4.instanceId, "attach-volume")).toHaveLength(0);
    expect(facts.cloudInitErrors).toMatch(/scripts[-_]user/); // the user data's exit status was not 0
    expect(log).toMatch(/FAILED in step 'attach the data volume'/);
    expect(log).not.toContain("==> done");
    // Nothing runs without the data: no mount, no units, no gateway process, nothing on the root disk.
    expect(facts.isMountpoint).toBe("no");
    expect(facts.gatewayUnitFile).toBe("absent");
    expect(facts.gatewayActive).not.toBe("active");
    expect(facts.nodeProcesses).toBe("0");
    expect(facts.rootRuntime).toBe("");
    expect(callsBy(vm4.instanceId, "associate-address", false)).toHaveLength(0);
    expect(callsBy(vm4.instanceId, "get-parameter", false)).toHaveLength(0);
    // The failed boot abandoned its launch (the group would terminate it): ABANDON once, after the
    // last refused attach, and never CONTINUE.
    expect(world.aws.launchCompletions.filter((c) => c.instanceId === vm4.instanceId).map((c) => c.result)).toEqual(["ABANDON"]);
    const completions = callsBy(vm4.instanceId, "complete-lifecycle-action", false);
    expect(completions.map((c) => [c.params.LifecycleActionResult, c.status])).toEqual([["ABANDON", 200]]);
    const attaches = callsBy(vm4.instanceId, "attach-volume", false);
    expect(world.aws.calls.indexOf(completions[0])).toBeGreaterThan(world.aws.calls.indexOf(attaches[attaches.length - 1]));
    expect(log).toMatch(/FAILED in step 'attach the data volume'[\s\S]*launch lifecycle action completed: ABANDON/);
    await terminate(vm4);
  });
});
