import { AuditRule } from "../types";
import { isWorld, networkPermissions, securityGroupRuleAddresses } from "../resources";
import { describePorts } from "../../terraform-json";

/** The only thing the whole internet may reach is TCP 443. */
export const SecurityGroupNoWorldIngressExceptHttps: AuditRule = {
  id: "SecurityGroupNoWorldIngressExceptHttps",
  checkov: ["CKV_AWS_260", "CKV_AWS_277"],
  fsbp: ["EC2.18", "EC2.19"],
  rationale: "Traefik on 443 is the gateway's only public entry point; any other port open to the internet is attack surface.",
  check: (input) => ({
    checked: securityGroupRuleAddresses(input),
    violations: networkPermissions(input)
      .filter((p) => p.direction === "ingress" && p.cidrs.some(isWorld))
      .filter((p) => !(p.protocol === "tcp" && p.fromPort === 443 && p.toPort === 443))
      .map((p) => ({ address: p.address, message: `ingress ${describePorts(p)} from ${p.cidrs.filter(isWorld).join(", ")}` })),
  }),
};
