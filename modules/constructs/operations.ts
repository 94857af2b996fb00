import { Construct } from "constructs";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { commandDocument, DocumentSettings } from "../ops/documents";
import { documentName, documentOperations, OperationSpec, OPERATIONS } from "../ops/operations";

export interface GatewayOperationsProps {
  /** The environment's settings: its name names the documents, its versions locate the host tools, its region is the host's AWS calls'. */
  readonly settings: DocumentSettings;
  /** Tags for every document (the provider's default tags are added on top). @default {} */
  readonly tags?: Record<string, string>;
  /** The operations table; one document per operation that sends one. @default OPERATIONS */
  readonly operations?: readonly OperationSpec[];
}

/**
 * Day-2 operations without SSH: one SSM Command document per operation of the table
 * (modules/ops/operations.ts: list, approve and reject device pairing requests, owner dashboard
 * link, refresh secrets, rotate the gateway token, the read-only status). They run the host tools the boot script
 * installs (openclaw-admin, openclaw-refresh-secrets); every parameter is restricted by an
 * allowedPattern and reaches the script as an environment variable, so nothing an operator types
 * can become shell code.
 */
export class GatewayOperations extends Construct {
  /** Each document, by operation id (also its construct id). */
  readonly documents: Record<string, SsmDocument>;
  /** Each document's name, by operation id (plain strings, usable in outputs and by the CLI). */
  readonly documentNames: Record<string, string>;

  constructor(scope: Construct, id: string, props: GatewayOperationsProps) {
    super(scope, id);
    const operations = documentOperations(props.operations ?? OPERATIONS);
    this.documentNames = Object.fromEntries(operations.map((op) => [op.id, documentName(props.settings, op)]));
    this.documents = Object.fromEntries(operations.map((op) => [op.id, new SsmDocument(this, op.id, {
      name: this.documentNames[op.id],
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      content: JSON.stringify(commandDocument(op, props.settings), null, 2),
      tags: props.tags,
    })]));
  }
}
