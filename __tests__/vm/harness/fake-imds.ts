import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeAwsApi } from "./fake-aws";

/** The instance the fake IMDS describes (one VM runs at a time). */
export interface FakeInstance {
  instanceId: string;
  region: string;
  availabilityZone: string;
  instanceType: string;
  imageId: string;
  privateIp: string;
}

const ROLE = "openclaw-vmtest-host";

/**
 * A fake EC2 instance metadata service that insists on IMDSv2 (session token), like a launch
 * template with `http_tokens = required`. It serves the identity and role credentials whose
 * access key the fake AWS API maps back to the instance.
 */
export class FakeImds {
  current?: FakeInstance;
  readonly requests: { method: string; path: string; status: number }[] = [];
  private readonly tokens = new Set<string>();

  constructor(private readonly aws: FakeAwsApi) {}

  /** Node http handler. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain") => {
      this.requests.push({ method: req.method ?? "?", path, status });
      res.writeHead(status, { "content-type": type }).end(body);
    };
    const instance = this.current;
    if (!instance) return send(503, "no instance");
    if (req.method === "PUT" && path === "/latest/api/token") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return send(400, "missing ttl");
      const token = randomBytes(24).toString("base64url");
      this.tokens.add(token);
      return send(200, token);
    }
    if (req.method !== "GET") return send(405, "");
    if (!this.tokens.has(String(req.headers["x-aws-ec2-metadata-token"] ?? ""))) return send(401, "");
    const body = this.lookup(instance, path);
    if (body === undefined) return send(404, "Not Found");
    return send(200, typeof body === "string" ? body : JSON.stringify(body, null, 2), typeof body === "string" ? "text/plain" : "application/json");
  }

  private lookup(i: FakeInstance, path: string): string | object | undefined {
    const md = "/latest/meta-data";
    const simple: Record<string, string> = {
      [`${md}/instance-id`]: i.instanceId,
      [`${md}/instance-type`]: i.instanceType,
      [`${md}/ami-id`]: i.imageId,
      [`${md}/local-ipv4`]: i.privateIp,
      [`${md}/placement/region`]: i.region,
      [`${md}/placement/availability-zone`]: i.availabilityZone,
      [`${md}/iam/security-credentials/`]: ROLE,
      [`${md}/iam/security-credentials`]: ROLE,
    };
    if (path in simple) return simple[path];
    // The Elastic IP once associated with this instance (EC2 answers 404 for an instance without a public address).
    if (path === `${md}/public-ipv4`) return this.aws.addresses.find((a) => a.associatedWith === i.instanceId)?.publicIp;
    if (path === `${md}/iam/security-credentials/${ROLE}`) {
      const c = this.aws.credentialsFor(i.instanceId);
      return {
        Code: "Success", LastUpdated: new Date().toISOString(), Type: "AWS-HMAC",
        AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.token,
        Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
      };
    }
    if (path === `${md}/iam/info`) {
      return { Code: "Success", InstanceProfileArn: `arn:aws:iam::123456789012:instance-profile/${ROLE}`, InstanceProfileId: "AIPAVMTEST" };
    }
    if (path === "/latest/dynamic/instance-identity/document") {
      return {
        accountId: "123456789012", architecture: "x86_64", availabilityZone: i.availabilityZone, imageId: i.imageId,
        instanceId: i.instanceId, instanceType: i.instanceType, privateIp: i.privateIp, region: i.region,
        pendingTime: new Date().toISOString(), version: "2017-09-30",
      };
    }
    return undefined;
  }
}
