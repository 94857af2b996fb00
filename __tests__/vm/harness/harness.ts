import { execFileSync } from "node:child_process";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { ENVIRONMENT_TAG, resourceNames, ROLE_TAG } from "../../../modules/names";
import type { GatewaySettings } from "../../../modules/settings/settings";
import { readFileSync } from "node:fs";
import { hostScriptLocation, openclawConfigLocation, openclawLock, openclawLockLocation, SHIPPED_PINS } from "../../../modules/host/pins";
import { openclawConfigFile } from "../../../modules/host/layout";
import { renderUserData } from "../../../modules/host/user-data";
import { MirrorFiles, nodeRelease, servedFile, sha256OfFile, ssmAgentStandinPackage, traefikStandinRelease } from "./artifacts";
import { AgentControl } from "./control";
import type { SecretSpec } from "../../../modules/secrets-catalogue";
import { secretParameters } from "../../helpers/fake-cloud";
import { FakeAwsApi, FakeParameter } from "./fake-aws";
import { FakeImds } from "./fake-imds";
import { listen, npmProxy, staticFiles } from "./host-servers";
import { GuestForward, IMDS_IP, SERVICES_IP } from "./qemu";

export const REPO_ROOT = resolve(__dirname, "../../..");
export const VM_CACHE = process.env.VM_CACHE_DIR ?? join(REPO_ROOT, ".cache/vm");

/** Guest-side ports of the host services on SERVICES_IP (fixed: the image's aws shim and agent know them). */
export const GUEST_PORTS = { aws: 8080, nodeMirror: 8081, npm: 8082, traefikMirror: 8083, ssmAgentMirror: 8084, model: 8085, control: 8090 } as const;

/** What the mirrors serve (built once, then cached under VM_CACHE). */
interface VmMirrors { node: MirrorFiles; traefik: MirrorFiles; ssmAgent: MirrorFiles }

/** Builds (or finds cached) the archives the mirrors serve for these versions. */
function vmMirrors(versions: { node: string; traefik: string }, npmVersion: string): VmMirrors {
  return {
    node: nodeRelease(VM_CACHE, versions.node, npmVersion),
    traefik: traefikStandinRelease(VM_CACHE, versions.traefik, join(REPO_ROOT, "__tests__/vm/image/standin/traefik.c")),
    ssmAgent: ssmAgentStandinPackage(VM_CACHE, SHIPPED_PINS.ssmAgent.version),
  };
}

/**
 * The download settings that point the boot script at the host's mirrors (http://, so the settings
 * require pins): the sha256 of the archives those mirrors serve — a repacked Node, the Traefik and
 * SSM-agent stand-ins — which the boot script checks as it checks the shipped pins on EC2.
 */
export const vmDownloads = (versions: { node: string; traefik: string }, npmVersion: string) => {
  const served = vmMirrors(versions, npmVersion);
  return {
    nodeBaseUrl: `http://${SERVICES_IP}:${GUEST_PORTS.nodeMirror}`,
    traefikBaseUrl: `http://${SERVICES_IP}:${GUEST_PORTS.traefikMirror}`,
    npmRegistry: `http://${SERVICES_IP}:${GUEST_PORTS.npm}/`,
    ssmAgentBaseUrl: `http://${SERVICES_IP}:${GUEST_PORTS.ssmAgentMirror}`,
    nodeSha256: sha256OfFile(servedFile(served.node, ".tar.xz")),
    traefikSha256: sha256OfFile(servedFile(served.traefik, ".tar.gz")),
    ssmAgentSha256: sha256OfFile(servedFile(served.ssmAgent, ".deb")),
  };
};

/** The fake cloud and every host service the guest reaches, plus their logs. */
export interface VmWorld {
  aws: FakeAwsApi;
  imds: FakeImds;
  control: AgentControl;
  mirrorLog: { path: string; status: number }[];
  npmLog: { path: string; status: number; cached: boolean }[];
  /** guestfwd rules for every VM of this world. */
  guestForwards: GuestForward[];
  dataVolumeId: string;
  close(): Promise<void>;
}

/** Builds or restores the cached image (__tests__/vm/image/build-image.sh); returns its folder. */
export function ensureImage(): string {
  return execFileSync(join(REPO_ROOT, "__tests__/vm/image/build-image.sh"), { stdio: ["ignore", "pipe", "inherit"] }).toString().trim().split("\n").pop()!;
}

/**
 * A secret's parameter as the VM world finds it: what the host writes still holds Terraform's
 * placeholder (version 1); what an operator writes was already set once (version 2) to a stand-in
 * value, so the gateway starts with every secret it reads.
 */
export function vmParameter(secret: SecretSpec): FakeParameter {
  return secret.writer === "operator"
    ? { value: `${secret.id}-vmtest-not-a-real-value`, type: "SecureString", version: 2 }
    : { value: secret.placeholder, type: "SecureString", version: 1 };
}

/** The fake account as Terraform (and the operator) left it: tagged volume and address, one parameter per secret. */
export function fakeAccount(s: GatewaySettings, dataVolumeId: string): FakeAwsApi {
  const names = resourceNames(s);
  const tags = (role: string, name: string) => ({ Name: name, [ENVIRONMENT_TAG]: s.environment, [ROLE_TAG]: role });
  const params = new Map(secretParameters(s).map(({ name, secret }) => [name, vmParameter(secret)]));
  const account = new FakeAwsApi(
    s.region,
    [{ volumeId: dataVolumeId, availabilityZone: s.availabilityZone, sizeGiB: 4, tags: tags("data-volume", `${names.prefix}-data`) }],
    [{ allocationId: "eipalloc-0a1b2c3d4e5f60718", publicIp: "203.0.113.10", tags: tags("address", names.prefix) }],
    params,
  );
  // The install lock the stack uploads to its artifacts bucket (modules/constructs/artifacts.ts).
  const lock = openclawLock();
  const at = openclawLockLocation(s, lock);
  account.objects.set(`${at.bucket}/${at.key}`, readFileSync(lock.lockPath));
  // The host script the stack uploads there too: the user data's loader fetches it, checks its pin and sources it.
  const script = hostScriptLocation(s);
  account.objects.set(`${script.bucket}/${script.key}`, Buffer.from(renderUserData(s).hostScript, "utf8"));
  // openclaw.json, which openclaw-apply-config fetches (the boot's "gateway configuration" step, its timer).
  const config = openclawConfigLocation(s);
  account.objects.set(`${config.bucket}/${config.key}`, Buffer.from(openclawConfigFile(s), "utf8"));
  return account;
}

/** Starts the fake IMDS, fake AWS API, mirrors, npm proxy and agent control on free host ports. */
export async function startWorld(s: GatewaySettings, dataVolumeId: string, npmVersion: string): Promise<VmWorld> {
  const aws = fakeAccount(s, dataVolumeId);
  const imds = new FakeImds(aws);
  const control = new AgentControl();
  const mirrorLog: VmWorld["mirrorLog"] = [];
  const npmLog: VmWorld["npmLog"] = [];
  const { node, traefik, ssmAgent } = vmMirrors(s.versions, npmVersion);
  const services = [
    { ip: IMDS_IP, port: 80, handler: imds.handle.bind(imds) },
    { ip: SERVICES_IP, port: GUEST_PORTS.aws, handler: aws.handle.bind(aws) },
    { ip: SERVICES_IP, port: GUEST_PORTS.nodeMirror, handler: staticFiles(node, mirrorLog) },
    { ip: SERVICES_IP, port: GUEST_PORTS.traefikMirror, handler: staticFiles(traefik, mirrorLog) },
    { ip: SERVICES_IP, port: GUEST_PORTS.ssmAgentMirror, handler: staticFiles(ssmAgent, mirrorLog) },
    { ip: SERVICES_IP, port: GUEST_PORTS.npm, handler: npmProxy(join(VM_CACHE, "npm"), s.downloads.npmRegistry, npmLog) },
    { ip: SERVICES_IP, port: GUEST_PORTS.control, handler: control.handle.bind(control) },
  ];
  const servers: Server[] = [];
  const guestForwards: GuestForward[] = [];
  for (const svc of services) {
    const { server, port } = await listen(svc.handler);
    servers.push(server);
    guestForwards.push({ guestIp: svc.ip, guestPort: svc.port, hostPort: port });
  }
  return {
    aws, imds, control, mirrorLog, npmLog, guestForwards, dataVolumeId,
    close: async () => {
      await Promise.all(servers.map((srv) => new Promise<void>((done) => {
        srv.closeAllConnections();
        srv.close(() => done());
      })));
    },
  };
}
