import { createHash, randomUUID } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

/**
 * A local stand-in for the two AWS services the stack's secrets use — SSM Parameter Store and KMS —
 * speaking their wire protocol (JSON 1.1: POST /, `X-Amz-Target: AmazonSSM.<Action>` or
 * `TrentService.<Action>`, JSON body; errors as HTTP 400 with `{"__type", "message"}`).
 *
 * It answers only the actions the AWS provider (5.100.0) and the operator CLI make for
 * aws_kms_key, aws_kms_alias and aws_ssm_parameter; any other action is an error, so a surprise
 * shows up as a failed terraform run instead of a silent success. Every request is recorded.
 *
 * Modelled faithfully where the test depends on it:
 * - PutParameter refuses an empty or missing Value (AWS: "Value ... Member must have length greater
 *   than or equal to 1", ValidationException), an existing name without Overwrite
 *   (ParameterAlreadyExists), and Tags together with Overwrite (ValidationException).
 * - SSM stores the KeyId string it was given, and DescribeParameters returns that same string
 *   (ParameterMetadata.KeyId: "The alias of the KMS key used to encrypt the parameter";
 *   DescribeParameters: "If you change the KMS key alias ... DescribeParameters retrieves whatever
 *   the original key alias was referencing" —
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ParameterMetadata.html,
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeParameters.html,
 *   read 2026-11-30). Without a KeyId a SecureString uses `alias/aws/ssm`; an overwrite without a
 *   KeyId keeps the parameter's key. A KeyId that names no key or alias is refused (InvalidKeyId).
 * - GetParameter returns the plaintext only WithDecryption; otherwise the ciphertext.
 */

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

interface Parameter {
  Name: string;
  Type: string;
  Value: string;
  KeyId?: string;
  Version: number;
  Description?: string;
  Tier: string;
  DataType: string;
  LastModifiedDate: number;
  Tags: Array<{ Key: string; Value: string }>;
}

interface Key {
  KeyId: string;
  Arn: string;
  Description: string;
  CreationDate: number;
  RotationEnabled: boolean;
  RotationPeriodInDays?: number;
  Tags: Array<{ TagKey: string; TagValue: string }>;
  Policy: string;
}

/** One request as the fake received it. */
export interface RecordedCall {
  service: "ssm" | "kms";
  action: string;
  body: Record<string, any>;
  /** The HTTP status of the answer. */
  status: number;
}

class AwsError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const now = () => Math.floor(Date.now() / 1000);

export class FakeSsmKms {
  readonly calls: RecordedCall[] = [];
  private readonly parameters = new Map<string, Parameter>();
  private readonly keys = new Map<string, Key>();
  /** alias name → target key id */
  private readonly aliases = new Map<string, { keyId: string; created: number }>();
  private server?: Server;
  url = "";

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The calls of one action. */
  callsOf(action: string): RecordedCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  /** A parameter as the fake holds it (for assertions), or undefined. */
  parameter(name: string): Readonly<Parameter> | undefined {
    return this.parameters.get(name);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const [prefix, action = ""] = target.split(".");
      const service = prefix === "AmazonSSM" ? "ssm" : prefix === "TrentService" ? "kms" : undefined;
      let body: Record<string, any> = {};
      let status = 200;
      let answer: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
        if (req.method !== "POST" || !service) throw new AwsError("UnknownOperationException", `fake AWS: unsupported request ${req.method} ${req.url} target=${target}`);
        answer = service === "ssm" ? this.ssm(action, body) : this.kms(action, body);
      } catch (error) {
        status = 400;
        const e = error instanceof AwsError ? error : new AwsError("InternalFailure", String(error));
        answer = { __type: e.type, message: e.message };
        res.setHeader("x-amzn-ErrorType", e.type);
      }
      this.calls.push({ service: service ?? ("ssm" as const), action: action || target, body, status });
      res.statusCode = status;
      res.setHeader("content-type", "application/x-amz-json-1.1");
      res.setHeader("x-amzn-RequestId", randomUUID());
      res.end(JSON.stringify(answer));
    });
  }

  // ---------------------------------------------------------------- SSM

  private ssm(action: string, body: Record<string, any>): unknown {
    switch (action) {
      case "PutParameter": return this.putParameter(body);
      case "GetParameter": {
        const p = this.findParameter(body.Name);
        const value = p.Type === "SecureString" && !body.WithDecryption ? this.ciphertext(p) : p.Value;
        return { Parameter: { Name: p.Name, Type: p.Type, Value: value, Version: p.Version, LastModifiedDate: p.LastModifiedDate, ARN: this.parameterArn(p.Name), DataType: p.DataType } };
      }
      case "DescribeParameters": {
        const filters: Array<{ Key: string; Option?: string; Values: string[] }> = body.ParameterFilters ?? [];
        if (body.Filters || filters.length !== 1 || filters[0].Key !== "Name" || (filters[0].Option ?? "Equals") !== "Equals") {
          throw new AwsError("ValidationException", `fake AWS: DescribeParameters supports only one Name Equals filter, got ${JSON.stringify(body)}`);
        }
        const found = filters[0].Values.map((n) => this.parameters.get(n)).filter((p): p is Parameter => !!p);
        return {
          Parameters: found.map((p) => ({
            Name: p.Name, ARN: this.parameterArn(p.Name), Type: p.Type, KeyId: p.KeyId, LastModifiedDate: p.LastModifiedDate,
            LastModifiedUser: `arn:aws:iam::${ACCOUNT}:user/fake`, Description: p.Description, Version: p.Version,
            Tier: p.Tier, Policies: [], DataType: p.DataType,
          })),
        };
      }
      case "ListTagsForResource": {
        if (body.ResourceType !== "Parameter") throw new AwsError("InvalidResourceType", `fake AWS: resource type ${body.ResourceType}`);
        return { TagList: this.findParameter(body.ResourceId).Tags };
      }
      case "AddTagsToResource": {
        if (body.ResourceType !== "Parameter") throw new AwsError("InvalidResourceType", `fake AWS: resource type ${body.ResourceType}`);
        const p = this.findParameter(body.ResourceId);
        for (const tag of body.Tags as Array<{ Key: string; Value: string }>) {
          p.Tags = [...p.Tags.filter((t) => t.Key !== tag.Key), tag];
        }
        return {};
      }
      default:
        throw new AwsError("UnknownOperationException", `fake AWS: SSM action ${action} is not implemented`);
    }
  }

  private putParameter(body: Record<string, any>): unknown {
    const name = String(body.Name ?? "");
    if (typeof body.Value !== "string" || body.Value.length < 1) {
      throw new AwsError("ValidationException", "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }
    const existing = this.parameters.get(name);
    if (existing && !body.Overwrite) throw new AwsError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
    if (body.Overwrite && body.Tags?.length) throw new AwsError("ValidationException", "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
    const type = String(body.Type ?? existing?.Type ?? "");
    if (!["String", "StringList", "SecureString"].includes(type)) throw new AwsError("ValidationException", `fake AWS: parameter type ${type}`);
    let keyId: string | undefined;
    if (type === "SecureString") {
      keyId = body.KeyId ?? existing?.KeyId ?? "alias/aws/ssm";
      if (keyId !== "alias/aws/ssm") this.resolveKey(keyId!, "InvalidKeyId");
    }
    const parameter: Parameter = {
      Name: name,
      Type: type,
      Value: body.Value,
      KeyId: keyId,
      Version: (existing?.Version ?? 0) + 1,
      Description: body.Description ?? existing?.Description,
      Tier: body.Tier || existing?.Tier || "Standard",
      DataType: body.DataType ?? existing?.DataType ?? "text",
      LastModifiedDate: now(),
      Tags: existing?.Tags ?? body.Tags ?? [],
    };
    this.parameters.set(name, parameter);
    return { Version: parameter.Version, Tier: parameter.Tier };
  }

  private findParameter(name: string): Parameter {
    const p = this.parameters.get(name);
    if (!p) throw new AwsError("ParameterNotFound", `Parameter ${name} not found.`);
    return p;
  }

  private parameterArn(name: string): string {
    return `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name.startsWith("/") ? "" : "/"}${name}`;
  }

  /** Stand-in ciphertext: never the plaintext, stable per value. */
  private ciphertext(p: Parameter): string {
    return Buffer.from(`fake-ciphertext:${createHash("sha256").update(p.Value).digest("hex")}`).toString("base64");
  }

  // ---------------------------------------------------------------- KMS

  private kms(action: string, body: Record<string, any>): unknown {
    switch (action) {
      case "CreateKey": {
        if ((body.KeyUsage ?? "ENCRYPT_DECRYPT") !== "ENCRYPT_DECRYPT" || (body.KeySpec ?? body.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT") !== "SYMMETRIC_DEFAULT" || body.MultiRegion || (body.Origin ?? "AWS_KMS") !== "AWS_KMS") {
          throw new AwsError("UnsupportedOperationException", `fake AWS: CreateKey supports symmetric single-region AWS_KMS keys only, got ${JSON.stringify(body)}`);
        }
        const keyId = randomUUID();
        const key: Key = {
          KeyId: keyId,
          Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
          Description: body.Description ?? "",
          CreationDate: now(),
          RotationEnabled: false,
          Tags: body.Tags ?? [],
          Policy: body.Policy ?? JSON.stringify({
            Version: "2012-10-17", Id: "key-default-1",
            Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
          }),
        };
        this.keys.set(keyId, key);
        return { KeyMetadata: this.metadata(key) };
      }
      case "DescribeKey": return { KeyMetadata: this.metadata(this.resolveKey(body.KeyId, "NotFoundException")) };
      case "GetKeyPolicy": return { Policy: this.resolveKey(body.KeyId, "NotFoundException").Policy, PolicyName: "default" };
      case "GetKeyRotationStatus": {
        const key = this.resolveKey(body.KeyId, "NotFoundException");
        return { KeyId: key.Arn, KeyRotationEnabled: key.RotationEnabled, ...(key.RotationEnabled ? { RotationPeriodInDays: key.RotationPeriodInDays ?? 365 } : {}) };
      }
      case "EnableKeyRotation": {
        const key = this.resolveKey(body.KeyId, "NotFoundException");
        key.RotationEnabled = true;
        key.RotationPeriodInDays = body.RotationPeriodInDays ?? key.RotationPeriodInDays ?? 365;
        return {};
      }
      case "ListResourceTags": return { Tags: this.resolveKey(body.KeyId, "NotFoundException").Tags, Truncated: false };
      case "TagResource": {
        const key = this.resolveKey(body.KeyId, "NotFoundException");
        for (const tag of body.Tags as Array<{ TagKey: string; TagValue: string }>) {
          key.Tags = [...key.Tags.filter((t) => t.TagKey !== tag.TagKey), tag];
        }
        return {};
      }
      case "CreateAlias": {
        const name = String(body.AliasName ?? "");
        if (!name.startsWith("alias/") || name.startsWith("alias/aws/")) throw new AwsError("ValidationException", `fake AWS: alias name ${name}`);
        if (this.aliases.has(name)) throw new AwsError("AlreadyExistsException", `An alias with the name arn:aws:kms:${REGION}:${ACCOUNT}:${name} already exists`);
        const key = this.resolveKey(body.TargetKeyId, "NotFoundException");
        this.aliases.set(name, { keyId: key.KeyId, created: now() });
        return {};
      }
      case "ListAliases": {
        const entries = [...this.aliases.entries()]
          .filter(([, a]) => !body.KeyId || a.keyId === this.resolveKey(body.KeyId, "NotFoundException").KeyId)
          .map(([name, a]) => ({ AliasName: name, AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`, TargetKeyId: a.keyId, CreationDate: a.created, LastUpdatedDate: a.created }));
        return { Aliases: entries, Truncated: false };
      }
      default:
        throw new AwsError("UnsupportedOperationException", `fake AWS: KMS action ${action} is not implemented`);
    }
  }

  /** A key by id, ARN, alias name or alias ARN. */
  private resolveKey(ref: string, errorType: string): Key {
    const raw = String(ref ?? "");
    const alias = /^(?:arn:aws:kms:[^:]+:\d{12}:)?(alias\/.+)$/.exec(raw)?.[1];
    const id = alias ? this.aliases.get(alias)?.keyId : /^(?:arn:aws:kms:[^:]+:\d{12}:key\/)?([0-9a-f-]{36})$/.exec(raw)?.[1];
    const key = id ? this.keys.get(id) : undefined;
    if (!key) throw new AwsError(errorType, `Invalid keyId ${raw}`);
    return key;
  }

  private metadata(key: Key): Record<string, unknown> {
    return {
      AWSAccountId: ACCOUNT, KeyId: key.KeyId, Arn: key.Arn, CreationDate: key.CreationDate, Enabled: true,
      Description: key.Description, KeyUsage: "ENCRYPT_DECRYPT", KeyState: "Enabled", Origin: "AWS_KMS",
      KeyManager: "CUSTOMER", CustomerMasterKeySpec: "SYMMETRIC_DEFAULT", KeySpec: "SYMMETRIC_DEFAULT",
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"], MultiRegion: false,
    };
  }
}
