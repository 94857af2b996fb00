/**
 * The host-side fakes the VM proof relies on, exercised without a VM (fast): a real AWS SDK client
 * against the fake SSM API, the EC2 query protocol's filters and fault injection, IMDSv2's token rule.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AutoScalingClient, CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import type { Server } from "node:http";
import { secretParameterName, secretsInUse } from "../../modules/secrets-catalogue";
import { resolveSettings } from "../../modules/settings/settings";
import { AWS_OPERATIONS } from "../helpers/fake-cloud";
import { FakeAwsApi, queryFilters, toXml } from "./harness/fake-aws";
import { FakeImds } from "./harness/fake-imds";
import { fakeAccount } from "./harness/harness";
import { listen } from "./harness/host-servers";

const INSTANCE = "i-0f000000000000001";

function account(): FakeAwsApi {
  return new FakeAwsApi(
    "us-east-1",
    [{ volumeId: "vol-0123456789abcdef0", availabilityZone: "us-east-1a", sizeGiB: 4, tags: { "openclaw:role": "data-volume" } }],
    [{ allocationId: "eipalloc-1", publicIp: "203.0.113.10", tags: { "openclaw:role": "address" } }],
    new Map([["/openclaw/t/gateway-token", { value: "placeholder", type: "SecureString" as const, version: 1 }]]),
  );
}

/** POSTs an EC2 query request signed with the instance's fake credentials. */
async function ec2(port: number, keyId: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: new URLSearchParams({ Version: "2016-11-15", ...params }).toString(),
  });
  return { status: res.status, body: await res.text() };
}

describe("fake AWS API", () => {
  let aws: FakeAwsApi;
  let server: Server;
  let port: number;
  let keyId: string;

  beforeEach(async () => {
    aws = account();
    ({ server, port } = await listen(aws.handle.bind(aws)));
    keyId = aws.credentialsFor(INSTANCE).accessKeyId;
  });
  afterEach(() => new Promise<void>((done) => server.close(() => done())));

  test("speaks SSM's JSON protocol to the real AWS SDK, attributes calls and never records secret values", async () => {
    const c = aws.credentialsFor(INSTANCE);
    const ssm = new SSMClient({
      region: "us-east-1", endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.token },
    });
    await ssm.send(new PutParameterCommand({ Name: "/openclaw/t/gateway-token", Value: "s3cret", Type: "SecureString", Overwrite: true }));
    const got = await ssm.send(new GetParameterCommand({ Name: "/openclaw/t/gateway-token", WithDecryption: true }));
    expect(got.Parameter).toMatchObject({ Value: "s3cret", Version: 2, Type: "SecureString" });
    await expect(ssm.send(new GetParameterCommand({ Name: "/missing", WithDecryption: true }))).rejects.toMatchObject({ name: "ParameterNotFound" });
    // Recorded in the CLI's words, as the sandbox's fake `aws` records them.
    expect(aws.calls.map((call) => [call.caller, call.service, call.operation, call.status])).toEqual([
      [INSTANCE, "ssm", "put-parameter", 200], [INSTANCE, "ssm", "get-parameter", 200], [INSTANCE, "ssm", "get-parameter", 400],
    ]);
    expect(JSON.stringify(aws.calls)).not.toContain("s3cret");
    ssm.destroy();
  });

  test("speaks Auto Scaling's query protocol: one launch completion per instance is recorded, a second is refused", async () => {
    const c = aws.credentialsFor(INSTANCE);
    const asg = new AutoScalingClient({
      region: "us-east-1", endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.token },
    });
    const complete = (result: string) => asg.send(new CompleteLifecycleActionCommand({
      LifecycleHookName: "openclaw-boot", AutoScalingGroupName: "openclaw-t", InstanceId: INSTANCE, LifecycleActionResult: result }));
    await complete("CONTINUE");
    await expect(complete("ABANDON")).rejects.toMatchObject({ name: "ValidationError" });
    expect(aws.launchCompletions).toEqual([{ instanceId: INSTANCE, result: "CONTINUE", at: expect.any(Number) }]);
    expect(aws.callsOf("complete-lifecycle-action").map((call) => [call.params.LifecycleActionResult, call.params.InstanceId, call.status]))
      .toEqual([["CONTINUE", INSTANCE, 200], ["ABANDON", INSTANCE, 400]]);
    asg.destroy();
  });

  test("filters volumes by tag and refuses attach-volume as many times as injected", async () => {
    const found = await ec2(port, keyId, { Action: "DescribeVolumes", "Filter.1.Name": "tag:openclaw:role", "Filter.1.Value.1": "data-volume" });
    expect(found.body).toContain("<volumeId>vol-0123456789abcdef0</volumeId>");
    const none = await ec2(port, keyId, { Action: "DescribeVolumes", "Filter.1.Name": "tag:openclaw:role", "Filter.1.Value.1": "other" });
    expect(none.body).toContain("<volumeSet></volumeSet>");
    aws.faults.refuseAttachVolume = 2;
    const attach = () => ec2(port, keyId, { Action: "AttachVolume", VolumeId: "vol-0123456789abcdef0", InstanceId: INSTANCE, Device: "/dev/sdf" });
    expect((await attach()).status).toBe(400);
    expect((await attach()).body).toContain("<Code>VolumeInUse</Code>");
    expect((await attach()).status).toBe(200);
    expect(aws.volumes[0].attachedTo).toBe(INSTANCE);
    aws.terminate(INSTANCE);
    expect(aws.volumes[0].attachedTo).toBeUndefined();
  });

  test("rejects unsigned calls and calls it does not implement, loudly", async () => {
    expect((await ec2(port, "AKIAUNKNOWN", { Action: "DescribeVolumes" })).status).toBe(403);
    const unknown = await ec2(port, keyId, { Action: "TerminateInstances" });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain("not implemented by the fake");
  });

  test("implements every operation of the shared vocabulary (and records each under its CLI words)", async () => {
    for (const { service, operation, action } of AWS_OPERATIONS) {
      const headers = { authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x` };
      aws.objects.set("openclaw-t-artifacts-0123456789ab/openclaw-lock/abc.json", Buffer.from("{\"lockfileVersion\":3}"));
      const res = service === "s3api"
        ? await fetch(`http://127.0.0.1:${port}/openclaw-t-artifacts-0123456789ab/openclaw-lock/abc.json?x-id=GetObject`, { headers })
        : service === "ssm"
        ? await fetch(`http://127.0.0.1:${port}/`, {
          method: "POST", headers: { ...headers, "x-amz-target": `AmazonSSM.${action}`, "content-type": "application/x-amz-json-1.1" },
          body: JSON.stringify({ Name: "/openclaw/t/gateway-token", Value: "v", Type: "SecureString", Overwrite: true, WithDecryption: true }),
        })
        : await fetch(`http://127.0.0.1:${port}/`, {
          method: "POST", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            Version: service === "ec2" ? "2016-11-15" : "2011-01-01", Action: action, VolumeId: "vol-0123456789abcdef0",
            AllocationId: "eipalloc-1", InstanceId: INSTANCE, Device: "/dev/sdf", HealthStatus: "Unhealthy",
          }).toString(),
        });
      expect([operation, res.status, await res.text()]).toEqual([operation, 200, expect.not.stringContaining("not implemented")]);
    }
    expect(aws.calls.map((c) => `${c.service} ${c.operation}`)).toEqual(AWS_OPERATIONS.map((o) => `${o.service} ${o.operation}`));
  });

  test("answers CloudWatch put-metric-data in the query protocol (the guest's awscli 2.9) and JSON 1.0 (newer CLIs): each call recorded, each data point kept", async () => {
    const auth = { authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=x` };
    // The requests exactly as botocore serializes put_metric_data in each protocol (checked against botocore 1.43.11, forced to each).
    const query = (params: Record<string, string>) => fetch(`http://127.0.0.1:${port}/`, {
      method: "POST", headers: { ...auth, "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: new URLSearchParams({ Action: "PutMetricData", Version: "2010-08-01", ...params }).toString(),
    });
    const ok = await query({
      Namespace: "OpenClaw", "MetricData.member.1.MetricName": "BootAbandoned", "MetricData.member.1.Value": "1", "MetricData.member.1.Unit": "Count",
      "MetricData.member.1.Dimensions.member.1.Name": "Environment", "MetricData.member.1.Dimensions.member.1.Value": "vmtest",
    });
    expect([ok.status, await ok.text()]).toEqual([200, expect.stringContaining('<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">')]);
    const json = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST", headers: { ...auth, "x-amz-target": "GraniteServiceVersion20100801.PutMetricData", "content-type": "application/x-amz-json-1.0" },
      body: JSON.stringify({ Namespace: "OpenClaw", MetricData: [{ MetricName: "DataVolumeUsedPercent", Value: 91, Unit: "Percent", Dimensions: [{ Name: "Environment", Value: "vmtest" }] }] }),
    });
    expect([json.status, json.headers.get("content-type"), await json.text()]).toEqual([200, "application/x-amz-json-1.0", "{}"]);
    const noNamespace = await query({ "MetricData.member.1.MetricName": "BootAbandoned", "MetricData.member.1.Value": "0" });
    expect([noNamespace.status, await noNamespace.text()]).toEqual([400, expect.stringContaining("<Code>MissingParameter</Code>")]);
    expect(aws.dataPoints).toEqual([
      { namespace: "OpenClaw", metricName: "BootAbandoned", value: 1, unit: "Count", dimensions: { Environment: "vmtest" }, caller: INSTANCE },
      { namespace: "OpenClaw", metricName: "DataVolumeUsedPercent", value: 91, unit: "Percent", dimensions: { Environment: "vmtest" }, caller: INSTANCE },
    ]);
    expect(aws.calls.map((c) => [c.service, c.operation, c.caller, c.status])).toEqual([
      ["cloudwatch", "put-metric-data", INSTANCE, 200], ["cloudwatch", "put-metric-data", INSTANCE, 200], ["cloudwatch", "put-metric-data", INSTANCE, 400],
    ]);
  });

  test("serves S3 objects path-style with their exact bytes; a missing key is S3's NoSuchKey, an unsigned GET AccessDenied", async () => {
    const bytes = Buffer.from("{\"name\":\"openclaw-host\",\"lockfileVersion\":3}\n");
    aws.objects.set("bucket-a/openclaw-lock/x.json", bytes);
    const auth = { authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x` };
    const ok = await fetch(`http://127.0.0.1:${port}/bucket-a/openclaw-lock/x.json`, { headers: auth });
    expect([ok.status, Buffer.from(await ok.arrayBuffer()).equals(bytes)]).toEqual([200, true]);
    const missing = await fetch(`http://127.0.0.1:${port}/bucket-a/openclaw-lock/y.json`, { headers: auth });
    expect([missing.status, await missing.text()]).toEqual([404, expect.stringContaining("<Code>NoSuchKey</Code>")]);
    expect((await fetch(`http://127.0.0.1:${port}/bucket-a/openclaw-lock/x.json`)).status).toBe(403);
  });

  test("query helpers read EC2 filters and serialize lists as <item>", () => {
    expect(queryFilters({ "Filter.1.Name": "tag:a", "Filter.1.Value.1": "x", "Filter.1.Value.2": "y" })).toEqual([{ name: "tag:a", values: ["x", "y"] }]);
    expect(toXml({ set: [{ k: "a&b" }] })).toBe("<set><item><k>a&amp;b</k></item></set>");
  });
});

describe("the VM world's account", () => {
  test("holds one SSM parameter per secret in use (no channel enabled: no channel token): host-written ones at their placeholder, operator-written ones set", () => {
    const s = resolveSettings({ environment: "vmtest", domainName: "g.example.org", acmeEmail: "ops@example.org" });
    const params = fakeAccount(s, "vol-1").parameters;
    expect([...params.keys()]).toEqual(secretsInUse(s).map((secret) => secretParameterName(s, secret)));
    for (const secret of secretsInUse(s)) {
      const p = params.get(secretParameterName(s, secret))!;
      if (secret.writer === "host") expect(p).toEqual({ value: secret.placeholder, type: "SecureString", version: 1 });
      else expect(p).toMatchObject({ type: "SecureString", version: 2, value: expect.not.stringMatching(/^placeholder:/) });
    }
  });
});

describe("fake IMDS", () => {
  test("requires an IMDSv2 session token and serves the instance's identity and role credentials", async () => {
    const aws = account();
    const imds = new FakeImds(aws);
    imds.current = { instanceId: INSTANCE, region: "us-east-1", availabilityZone: "us-east-1a", instanceType: "t3.small", imageId: "ami-1", privateIp: "169.254.0.15" };
    const { server, port } = await listen(imds.handle.bind(imds));
    const base = `http://127.0.0.1:${port}/latest`;
    try {
      expect((await fetch(`${base}/meta-data/instance-id`)).status).toBe(401);
      const token = await (await fetch(`${base}/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).text();
      const get = async (path: string) => (await fetch(`${base}/${path}`, { headers: { "x-aws-ec2-metadata-token": token } })).text();
      expect(await get("meta-data/instance-id")).toBe(INSTANCE);
      expect(await get("meta-data/placement/region")).toBe("us-east-1");
      expect(JSON.parse(await get("dynamic/instance-identity/document"))).toMatchObject({ instanceId: INSTANCE, region: "us-east-1" });
      const role = await get("meta-data/iam/security-credentials/");
      const creds = JSON.parse(await get(`meta-data/iam/security-credentials/${role}`));
      expect(creds.AccessKeyId).toBe(aws.credentialsFor(INSTANCE).accessKeyId);
      // public-ipv4 (the DNS wait's and the cert guard's "this instance"): 404 until the Elastic IP is associated.
      const publicIpv4 = () => fetch(`${base}/meta-data/public-ipv4`, { headers: { "x-aws-ec2-metadata-token": token } });
      expect((await publicIpv4()).status).toBe(404);
      aws.addresses[0].associatedWith = INSTANCE;
      expect(await (await publicIpv4()).text()).toBe("203.0.113.10");
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});
