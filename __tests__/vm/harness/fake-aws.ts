import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiCall, AwsOperation, cliOperation } from "../../helpers/fake-cloud";
import type { RestoreAws } from "../../../modules/ops/aws";

/**
 * A fake of exactly the AWS API calls the boot script makes, speaking the real wire protocols
 * (EC2, Auto Scaling and CloudWatch query/XML, SSM JSON 1.1, CloudWatch JSON 1.0, S3 REST path-style
 * GET) so the guest runs the real AWS CLI against it.
 * Every call is recorded as an `AwsApiCall` named in the CLI's words, the vocabulary the sandbox's
 * fake `aws` shares (__tests__/helpers/fake-cloud.ts); attach-volume can be refused to inject faults.
 */

/** One EBS volume in the fake account. */
export interface FakeVolume {
  volumeId: string;
  availabilityZone: string;
  sizeGiB: number;
  tags: Record<string, string>;
  /** Instance the volume is attached to, if any. */
  attachedTo?: string;
}

/** One Elastic IP in the fake account. */
export interface FakeAddress {
  allocationId: string;
  publicIp: string;
  tags: Record<string, string>;
  associatedWith?: string;
}

/** One SSM parameter (values never leave the fake except to the guest). */
export interface FakeParameter {
  value: string;
  type: "String" | "SecureString";
  version: number;
}

/** Fault injection: how many attach-volume calls to refuse before allowing one (Infinity: always). */
export interface AwsFaults {
  refuseAttachVolume: number;
}

/** sha256 hex, used to compare secrets without printing them. */
export const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");

const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
const ASG_NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
/**
 * CloudWatch (the host's `publish_metric`, only when alerts are on): the AWS CLI of the guest image
 * (Debian 12's awscli 2.9) speaks CloudWatch's query protocol (Version 2010-08-01, XML answers);
 * botocore 1.42.7 and later default to JSON 1.0 (X-Amz-Target GraniteServiceVersion20100801.<Action>:
 * https://github.com/getmoto/moto/pull/9562, read 2026-12-01), which the fake answers too.
 */
const CW_VERSION = "2010-08-01";
const CW_NS = `http://monitoring.amazonaws.com/doc/${CW_VERSION}/`;
const CW_JSON_TARGET = "GraniteServiceVersion20100801";

const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);

/** Serializes a plain object as XML elements (arrays become `<item>` lists, as EC2 does). */
export function toXml(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => `<item>${toXml(v)}</item>`).join("");
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join("");
  }
  return escapeXml(String(value));
}

const tagSet = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));

/** Reads EC2-style lists from query parameters: `Prefix.1`, `Prefix.2`, … */
export function queryList(params: Record<string, string>, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${prefix}.${i}`] !== undefined; i++) out.push(params[`${prefix}.${i}`]);
  return out;
}

/** Reads query-protocol member lists (`Prefix.member.N.<field>`) as one record of fields per member. */
export function queryMembers(params: Record<string, string>, prefix: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (let i = 1; ; i++) {
    const head = `${prefix}.member.${i}.`;
    const fields = Object.entries(params).filter(([k]) => k.startsWith(head)).map(([k, v]) => [k.slice(head.length), v]);
    if (fields.length === 0) return out;
    out.push(Object.fromEntries(fields));
  }
}

/** One data point the host published (cloudwatch put-metric-data), whichever protocol carried it. */
export interface FakeDataPoint {
  namespace: string;
  metricName: string;
  value: number;
  unit?: string;
  dimensions: Record<string, string>;
  /** The instance whose credentials signed the call. */
  caller: string;
}

/** Reads EC2 filters: `Filter.N.Name` with values `Filter.N.Value.M`. */
export function queryFilters(params: Record<string, string>): { name: string; values: string[] }[] {
  const out: { name: string; values: string[] }[] = [];
  for (let i = 1; params[`Filter.${i}.Name`] !== undefined; i++) {
    out.push({ name: params[`Filter.${i}.Name`], values: queryList(params, `Filter.${i}.Value`) });
  }
  return out;
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Field values a filter name selects on a resource; undefined when the filter is not supported. */
function filterField(name: string, tags: Record<string, string>, fields: Record<string, string | undefined>) {
  if (name.startsWith("tag:")) return [tags[name.slice(4)]];
  if (name === "tag-key") return Object.keys(tags);
  if (name in fields) return [fields[name]];
  throw new ApiError(400, "InvalidParameterValue", `The filter '${name}' is not supported by the fake`);
}

const matches = (filters: { name: string; values: string[] }[], get: (name: string) => (string | undefined)[]) =>
  filters.every((f) => get(f.name).some((v) => v !== undefined && f.values.includes(v)));

/** The fake AWS API of one account: its state (volumes, addresses, parameters), the call log and the faults. */
export class FakeAwsApi {
  readonly calls: AwsApiCall[] = [];
  readonly faults: AwsFaults = { refuseAttachVolume: 0 };
  readonly instanceHealth: { instanceId: string; status: string }[] = [];
  /** Launch lifecycle actions completed, in order: one per instance (later ones are refused, as AWS does). */
  readonly launchCompletions: { instanceId: string; result: string; at: number }[] = [];
  /** CloudWatch data points published, in order (the host sends them only with alerts on). */
  readonly dataPoints: FakeDataPoint[] = [];
  private readonly accessKeys = new Map<string, string>();
  /** S3 objects by `<bucket>/<key>` (the install lock the stack uploads). */
  readonly objects = new Map<string, Buffer>();

  constructor(
    readonly region: string,
    readonly volumes: FakeVolume[],
    readonly addresses: FakeAddress[],
    readonly parameters: Map<string, FakeParameter>,
  ) {}

  /** Credentials the fake IMDS hands to an instance; calls signed with them are attributed to it. */
  credentialsFor(instanceId: string) {
    const accessKeyId = `ASIAVMTEST${sha256(instanceId).slice(0, 10).toUpperCase()}`;
    this.accessKeys.set(accessKeyId, instanceId);
    return { accessKeyId, secretAccessKey: randomBytes(20).toString("hex"), token: randomBytes(32).toString("base64") };
  }

  /** What EC2 does when an instance terminates: its volumes detach, its address disassociates. */
  terminate(instanceId: string): void {
    for (const v of this.volumes) if (v.attachedTo === instanceId) v.attachedTo = undefined;
    for (const a of this.addresses) if (a.associatedWith === instanceId) a.associatedWith = undefined;
  }

  /** Calls of one operation ("attach-volume"), optionally only those that succeeded. */
  callsOf(operation: AwsOperation, okOnly = false): AwsApiCall[] {
    return this.calls.filter((c) => c.operation === operation && (!okOnly || c.status === 200));
  }

  /** Node http handler. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => this.respond(req, Buffer.concat(chunks).toString("utf8"), res));
  }

  private respond(req: IncomingMessage, body: string, res: ServerResponse): void {
    const keyId = /Credential=([A-Z0-9]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const caller = this.accessKeys.get(keyId) ?? "unknown";
    if (req.method === "GET") return this.getObject(req, caller, res);
    const target = req.headers["x-amz-target"];
    const isJson = typeof target === "string";
    const form = isJson ? {} : Object.fromEntries(new URLSearchParams(body));
    const service = isJson ? (String(target).startsWith(`${CW_JSON_TARGET}.`) ? "cloudwatch" : "ssm")
      : form.Version === "2011-01-01" ? "autoscaling" : form.Version === CW_VERSION ? "cloudwatch" : "ec2";
    const jsonType = `application/x-amz-json-${service === "cloudwatch" ? "1.0" : "1.1"}`;
    const queryNs = service === "cloudwatch" ? CW_NS : ASG_NS;
    const action = isJson ? String(target).split(".").pop()! : form.Action ?? "?";
    const input: Record<string, unknown> = isJson ? (JSON.parse(body || "{}") as Record<string, unknown>) : form;
    const operation = cliOperation(action);
    const call: AwsApiCall = { service, operation, caller, params: redact(input), status: 200, at: Date.now() };
    this.calls.push(call);
    try {
      if (caller === "unknown") throw new ApiError(403, "AuthFailure", "request not signed with credentials from the fake IMDS");
      const result = this.dispatch(service, operation, input, caller);
      if (isJson) {
        res.writeHead(200, { "content-type": jsonType }).end(JSON.stringify(result));
      } else {
        const ns = service === "ec2" ? EC2_NS : queryNs;
        const meta = service === "ec2" ? { requestId: call.at } : {};
        const inner = service === "ec2" ? toXml({ ...meta, ...(result as object) })
          : `<${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>${call.at}</RequestId></ResponseMetadata>`;
        res.writeHead(200, { "content-type": "text/xml" }).end(`<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ns}">${inner}</${action}Response>`);
      }
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, "InternalError", String(err));
      call.status = e.status;
      call.errorCode = e.code;
      if (isJson) {
        res.writeHead(e.status, { "content-type": jsonType }).end(JSON.stringify({ __type: e.code, message: e.message }));
      } else if (service === "ec2") {
        res.writeHead(e.status, { "content-type": "text/xml" })
          .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error></Errors><RequestID>${call.at}</RequestID></Response>`);
      } else {
        res.writeHead(e.status, { "content-type": "text/xml" })
          .end(`<ErrorResponse xmlns="${queryNs}"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${call.at}</RequestId></ErrorResponse>`);
      }
    }
  }

  /**
   * S3 GetObject, path-style (`GET /<bucket>/<key>`: the CLI addresses a bucket by path when its
   * endpoint is an IP address, as the guest's is); a missing object answers S3's NoSuchKey.
   */
  private getObject(req: IncomingMessage, caller: string, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://fake").pathname).replace(/^\//, "");
    const [bucket, ...rest] = path.split("/");
    const call: AwsApiCall = { service: "s3api", operation: "get-object", caller, params: { Bucket: bucket, Key: rest.join("/") }, status: 200, at: Date.now() };
    this.calls.push(call);
    const object = this.objects.get(path);
    const fail = (status: number, code: string, message: string) => {
      call.status = status;
      call.errorCode = code;
      res.writeHead(status, { "content-type": "application/xml" })
        .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${call.at}</RequestId></Error>`);
    };
    if (caller === "unknown") return fail(403, "AccessDenied", "request not signed with credentials from the fake IMDS");
    if (!object) return fail(404, "NoSuchKey", `The specified key does not exist: ${path}`);
    res.writeHead(200, {
      "content-type": "application/octet-stream", "content-length": String(object.length),
      etag: `"${createHash("md5").update(object).digest("hex")}"`, "last-modified": new Date(0).toUTCString(),
    }).end(object);
  }

  /** Answers one operation, named as the sandbox's fake `aws` names it (`<service> <operation>`). */
  private dispatch(service: string, operation: string, p: Record<string, unknown>, caller: string): unknown {
    const q = p as Record<string, string>;
    switch (`${service} ${operation}`) {
      case "ec2 describe-volumes": return this.describeVolumes(q);
      case "ec2 attach-volume": return this.attachVolume(q, caller);
      case "ec2 describe-addresses": return this.describeAddresses(q);
      case "ec2 associate-address": return this.associateAddress(q, caller);
      case "ssm get-parameter": return this.getParameter(p);
      case "ssm put-parameter": return this.putParameter(p);
      case "autoscaling set-instance-health":
        this.instanceHealth.push({ instanceId: q.InstanceId, status: q.HealthStatus });
        return {};
      case "autoscaling complete-lifecycle-action": return this.completeLifecycleAction(q);
      case "cloudwatch put-metric-data": return this.putMetricData(p, caller);
      default:
        throw new ApiError(400, "InvalidAction", `${service} ${operation} is not implemented by the fake (the boot script should not need it)`);
    }
  }

  /** Records the data points of one put-metric-data call, sent in JSON 1.0 (`MetricData` list) or query form (`MetricData.member.N.*`). */
  private putMetricData(p: Record<string, unknown>, caller: string) {
    const namespace = p.Namespace;
    if (typeof namespace !== "string" || namespace === "") throw new ApiError(400, "MissingParameter", "The parameter Namespace is required.");
    const json = Array.isArray(p.MetricData);
    const data = json
      ? (p.MetricData as Array<{ MetricName?: string; Value?: number; Unit?: string; Dimensions?: Array<{ Name: string; Value: string }> }>)
        .map((d) => ({ ...d, Dimensions: d.Dimensions ?? [] }))
      : queryMembers(p as Record<string, string>, "MetricData").map((d) => ({
        MetricName: d.MetricName, Value: d.Value === undefined ? undefined : Number(d.Value), Unit: d.Unit,
        Dimensions: queryMembers(d, "Dimensions") as Array<{ Name: string; Value: string }>,
      }));
    if (data.length === 0) throw new ApiError(400, "MissingParameter", "The parameter MetricData is required.");
    for (const d of data) {
      if (!d.MetricName || typeof d.Value !== "number" || Number.isNaN(d.Value)) {
        throw new ApiError(400, "InvalidParameterValue", "each datum needs a MetricName and a numeric Value (the fake takes single values only)");
      }
    }
    for (const d of data) {
      this.dataPoints.push({
        namespace, metricName: d.MetricName!, value: d.Value!, unit: d.Unit, caller,
        dimensions: Object.fromEntries(d.Dimensions.map((dim) => [dim.Name, dim.Value])),
      });
    }
    return {};
  }

  /** Every instance starts in Pending:Wait on the launch hook; its first completion ends that. */
  private completeLifecycleAction(q: Record<string, string>) {
    if (this.launchCompletions.some((c) => c.instanceId === q.InstanceId)) {
      throw new ApiError(400, "ValidationError", `No active Lifecycle Action found with instance ID ${q.InstanceId}`);
    }
    this.launchCompletions.push({ instanceId: q.InstanceId, result: q.LifecycleActionResult, at: Date.now() });
    return {};
  }

  private describeVolumes(q: Record<string, string>) {
    const ids = queryList(q, "VolumeId");
    const filters = queryFilters(q);
    const found = this.volumes.filter((v) => (ids.length === 0 || ids.includes(v.volumeId)) &&
      matches(filters, (name) => filterField(name, v.tags, {
        "volume-id": v.volumeId, "availability-zone": v.availabilityZone, status: v.attachedTo ? "in-use" : "available",
        "attachment.instance-id": v.attachedTo, "attachment.status": v.attachedTo ? "attached" : undefined,
      })));
    const missing = ids.filter((id) => !this.volumes.some((v) => v.volumeId === id));
    if (missing.length) throw new ApiError(400, "InvalidVolume.NotFound", `The volume '${missing[0]}' does not exist.`);
    return {
      volumeSet: found.map((v) => ({
        volumeId: v.volumeId, size: v.sizeGiB, availabilityZone: v.availabilityZone,
        status: v.attachedTo ? "in-use" : "available", createTime: "2026-01-01T00:00:00.000Z",
        attachmentSet: v.attachedTo
          ? [{ volumeId: v.volumeId, instanceId: v.attachedTo, device: "/dev/sdf", status: "attached", attachTime: "2026-01-01T00:00:00.000Z", deleteOnTermination: false }]
          : [],
        volumeType: "gp3", encrypted: true, tagSet: tagSet(v.tags), multiAttachEnabled: false,
      })),
    };
  }

  private attachVolume(q: Record<string, string>, caller: string) {
    const volume = this.volumes.find((v) => v.volumeId === q.VolumeId);
    if (!volume) throw new ApiError(400, "InvalidVolume.NotFound", `The volume '${q.VolumeId}' does not exist.`);
    if (q.InstanceId !== caller) throw new ApiError(403, "UnauthorizedOperation", "the fake only lets an instance attach to itself");
    if (this.faults.refuseAttachVolume > 0) {
      this.faults.refuseAttachVolume -= 1;
      throw new ApiError(400, "VolumeInUse", `${volume.volumeId} is already attached to an instance (injected fault)`);
    }
    if (volume.attachedTo && volume.attachedTo !== caller) {
      throw new ApiError(400, "VolumeInUse", `${volume.volumeId} is already attached to ${volume.attachedTo}`);
    }
    volume.attachedTo = caller;
    return { volumeId: volume.volumeId, instanceId: caller, device: q.Device, status: "attaching", attachTime: new Date().toISOString() };
  }

  private describeAddresses(q: Record<string, string>) {
    const ids = queryList(q, "AllocationId");
    const filters = queryFilters(q);
    const found = this.addresses.filter((a) => (ids.length === 0 || ids.includes(a.allocationId)) &&
      matches(filters, (name) => filterField(name, a.tags, {
        "allocation-id": a.allocationId, "public-ip": a.publicIp, domain: "vpc", "instance-id": a.associatedWith,
      })));
    return {
      addressesSet: found.map((a) => ({
        publicIp: a.publicIp, allocationId: a.allocationId, domain: "vpc", instanceId: a.associatedWith,
        associationId: a.associatedWith ? `eipassoc-${sha256(a.associatedWith).slice(0, 17)}` : undefined,
        tagSet: tagSet(a.tags),
      })),
    };
  }

  private associateAddress(q: Record<string, string>, caller: string) {
    const address = this.addresses.find((a) => a.allocationId === q.AllocationId || a.publicIp === q.PublicIp);
    if (!address) throw new ApiError(400, "InvalidAllocationID.NotFound", `The allocation ID '${q.AllocationId}' does not exist`);
    if (q.InstanceId !== caller) throw new ApiError(403, "UnauthorizedOperation", "the fake only lets an instance associate to itself");
    if (address.associatedWith && address.associatedWith !== caller && q.AllowReassociation !== "true") {
      throw new ApiError(400, "Resource.AlreadyAssociated", `${address.allocationId} is already associated`);
    }
    address.associatedWith = caller;
    return { return: true, associationId: `eipassoc-${sha256(caller).slice(0, 17)}` };
  }

  private getParameter(p: Record<string, unknown>) {
    const name = String(p.Name);
    const param = this.parameters.get(name);
    if (!param) throw new ApiError(400, "ParameterNotFound", `Parameter ${name} not found.`);
    if (param.type === "SecureString" && p.WithDecryption !== true) {
      throw new ApiError(400, "ValidationException", "the fake wants --with-decryption for SecureString parameters");
    }
    return {
      Parameter: {
        Name: name, Type: param.type, Value: param.value, Version: param.version, DataType: "text",
        LastModifiedDate: 1767225600, ARN: `arn:aws:ssm:${this.region}:123456789012:parameter${name}`,
      },
    };
  }

  private putParameter(p: Record<string, unknown>) {
    const name = String(p.Name);
    const existing = this.parameters.get(name);
    if (existing && p.Overwrite !== true) throw new ApiError(400, "ParameterAlreadyExists", `The parameter ${name} already exists.`);
    const type = (p.Type as FakeParameter["type"]) ?? existing?.type ?? "String";
    const version = (existing?.version ?? 0) + 1;
    this.parameters.set(name, { value: String(p.Value), type, version });
    return { Version: version, Tier: "Standard" };
  }
}

/** Replaces secret values in recorded call parameters by their hash. */
function redact(params: Record<string, unknown>): Record<string, unknown> {
  return "Value" in params ? { ...params, Value: `sha256:${sha256(String(params.Value))}` } : params;
}

/**
 * The tag calls of `npm run restore` (modules/ops/restore.ts moveDataVolumeTags) on the fake account's
 * volumes, for the VM's restore (boot.test.ts scenario 3). Only the two calls the tag move makes; the rest
 * of RestoreAws (CreateVolume, waits, the instance) is the scenario's own qemu-img copy and launch.
 */
export function fakeVolumeTags(account: FakeAwsApi): RestoreAws {
  const volume = (id: string) => {
    const found = account.volumes.find((v) => v.volumeId === id);
    if (!found) throw new Error(`The volume '${id}' does not exist.`);
    return found;
  };
  const unsupported = async (): Promise<never> => {
    throw new Error("not part of the VM's restore");
  };
  return {
    volumesTagged: unsupported, volume: unsupported, snapshot: unsupported, snapshotsTagged: unsupported, createVolume: unsupported,
    terminateInGroup: unsupported,
    async createTags(id, tags) {
      Object.assign(volume(id).tags, tags);
    },
    async deleteTags(id, keys) {
      for (const key of keys) delete volume(id).tags[key];
    },
  };
}
