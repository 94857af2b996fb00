import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { IamStatement } from "../constructs/grants";
import { githubTrustPolicy } from "./policies";

export interface CiRoleProps {
  /** Role name (also the inline policy's). */
  readonly name: string;
  /** ARN of GitHub's OIDC provider in the account. */
  readonly providerArn: string;
  /** The one OIDC `sub` claim the role trusts (policies.ts ciSubjects). */
  readonly subject: string;
  /** Everything the role may do: one inline policy, nothing attached. */
  readonly statements: readonly IamStatement[];
  /** Longest session in seconds. */
  readonly maxSessionSeconds: number;
}

/** A role a GitHub Actions job assumes through OIDC: one trusted subject, one inline policy. */
export class CiRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: CiRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.name,
      assumeRolePolicy: JSON.stringify(githubTrustPolicy(props.providerArn, props.subject)),
      maxSessionDuration: props.maxSessionSeconds,
    });
    new IamRolePolicy(this, "policy", {
      name: props.name,
      role: this.role.name,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: props.statements }),
    });
  }
}
