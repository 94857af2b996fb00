/**
 * A stand-in for AWS's PUBLIC SSM parameters (`/aws/service/…`, e.g. the newest AMI id of an OS)
 * for offline terraform: the stacks read one at plan time (data "aws_ssm_parameter", the host's
 * AMI id). Run as its own process (`node fake-public-parameters.js <port file>`) because the tests
 * run terraform synchronously, which blocks their own event loop; __tests__/helpers/terraform-offline.ts
 * starts it and points the provider's `ssm` endpoint at it.
 *
 * Wire protocol as the AWS provider speaks it (JSON 1.1: POST, `X-Amz-Target: AmazonSSM.<Action>`).
 * Only GetParameter of a name under /aws/service/ answers, with a String parameter whose value is
 * an AMI-shaped id derived from the name (stable across runs); anything else is an error, so a
 * surprise shows up as a failed terraform run. It exits when its parent does (stdin closes).
 */
const { createHash } = require("node:crypto");
const { createServer } = require("node:http");
const { writeFileSync } = require("node:fs");

const imageIdOf = (name) => `ami-0${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;

const reply = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
  res.end(JSON.stringify(body));
};

const server = createServer((req, res) => {
  let text = "";
  req.on("data", (chunk) => { text += chunk; });
  req.on("end", () => {
    const action = String(req.headers["x-amz-target"] ?? "").replace(/^AmazonSSM\./, "");
    const body = text ? JSON.parse(text) : {};
    if (action !== "GetParameter") {
      return reply(res, 400, { __type: "InvalidAction", message: `the offline fake answers only GetParameter of public parameters, not ${action}` });
    }
    if (!String(body.Name).startsWith("/aws/service/")) {
      return reply(res, 400, { __type: "ParameterNotFound", message: `no public parameter ${body.Name}` });
    }
    return reply(res, 200, {
      Parameter: {
        Name: body.Name, Type: "String", Value: imageIdOf(body.Name), Version: 1, DataType: "text",
        ARN: `arn:aws:ssm:us-east-1::parameter${body.Name}`, LastModifiedDate: 1764460800,
      },
    });
  });
});

server.listen(0, "127.0.0.1", () => writeFileSync(process.argv[2], String(server.address().port)));
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
