import { Construct } from "constructs";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import type { GatewaySettings } from "../settings/settings";
import { commandDocument, documentNames, Operation, OPERATIONS } from "../ops/documents";

export interface GatewayOperationsProps {
  /** The environment's settings: its name names the documents, its versions locate the host tools. */
  readonly settings: Pick<GatewaySettings, "environment" | "versions">;
  /** Tags for every document (the provider's default tags are added on top). @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Day-2 operations without SSH: one SSM Command document per task (list, approve and reject
 * device pairing requests, owner dashboard link, refresh secrets, rotate the gateway token).
 * They run the host tools the boot script installs (openclaw-admin, openclaw-refresh-secrets);
 * every parameter is restricted by an allowedPattern and reaches the script as an environment
 * variable, so nothing an operator types can become shell code.
 */
export class GatewayOperations extends Construct {
  /** Each operation's document. */
  readonly documents: Record<Operation, SsmDocument>;
  /** Each operation's document name (plain strings, usable in outputs and by the CLI). */
  readonly documentNames: Record<Operation, string>;

  constructor(scope: Construct, id: string, props: GatewayOperationsProps) {
    super(scope, id);
    this.documentNames = documentNames(props.settings);
    this.documents = Object.fromEntries(OPERATIONS.map((op) => [op, new SsmDocument(this, op, {
      name: this.documentNames[op],
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      content: JSON.stringify(commandDocument(op, props.settings), null, 2),
      tags: props.tags,
    })])) as Record<Operation, SsmDocument>;
  }
}
