import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";

export interface StateBucketProps {
  /** Bucket name (the environments' `backend.bucket`). */
  readonly bucketName: string;
}

/** The bucket policy: every request over plain HTTP is denied, whoever makes it. */
export function tlsOnlyPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [{
      Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    }],
  };
}

/**
 * The Terraform state bucket: versioned (every state write can be rolled back), encrypted at rest
 * with S3-managed keys (SSE-S3: no key to pay for or to grant; the IAM policies of the CI roles are
 * the gate either way, and the state holds no secret values), all four public-access blocks, object
 * ownership enforced (ACLs disabled), a TLS-only bucket policy, and prevent_destroy.
 */
export class StateBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, lifecycle: { preventDestroy: true } });
    const bucket = this.bucket.id;
    new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPolicy(this, "tls-only", { bucket, policy: JSON.stringify(tlsOnlyPolicy(this.bucket.arn)) });
  }
}
