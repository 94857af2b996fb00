import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, TerraformAsset } from "cdktf";
import type { IamStatement } from "./grants";

/**
 * `text` as a Terraform string literal in the synthesized JSON: Terraform reads `${` and `%{` in
 * every string as template sequences; `$${` and `%%{` are their escapes, which it turns back into
 * the literal characters (Terraform "Strings and Templates", read 2026-11-30). So the applied value
 * (an uploaded object, an error message) is `text` byte for byte.
 */
export const terraformLiteral = (text: string): string => text.replace(/([$%])\{/g, "$1$1{");

export interface ArtifactsProps {
  /** Bucket name (plain: the boot script names it), from modules/host/pins.ts openclawLockLocation. */
  readonly bucket: string;
  /** Object key of the openclaw lock. */
  readonly lockKey: string;
  /** Path of the lock file in this repository (uploaded as a Terraform asset). */
  readonly lockPath: string;
  /** sha256 of the lock: a changed file uploads again. */
  readonly lockSha256: string;
  /** Object key of the host script (modules/host/pins.ts hostScriptLocation). */
  readonly hostScriptKey: string;
  /** The host script's text (modules/host renderBootPrograms): no secret in it. */
  readonly hostScript: string;
  /** Object key of openclaw.json (modules/host/pins.ts openclawConfigLocation). */
  readonly configKey: string;
  /** openclaw.json as the host writes it (modules/host/layout.ts openclawConfigFile): SecretRefs only, no secret. */
  readonly config: string;
}

/**
 * What the host runs and installs that is too big for the user data: the host script (~46 KB, every
 * boot step after the loader's) and the openclaw lock file (~170 KB). A stack-owned bucket, private
 * (public access blocked, TLS only), versioned and encrypted at rest; the user data pins each
 * object's sha256, so the bucket vouches for availability, not integrity.
 */
export class Artifacts extends Construct {
  readonly bucket: S3Bucket;
  readonly lock: S3Object;
  /** The host script the user data's loader fetches, checks and sources. */
  readonly hostScript: S3Object;
  /**
   * openclaw.json, which `openclaw-apply-config` fetches at boot and every few minutes after: not pinned
   * by the user data, so a change to it alone replaces no launch template and no instance.
   */
  readonly config: S3Object;
  private readonly hostScriptKey: string;

  constructor(scope: Construct, id: string, props: ArtifactsProps) {
    super(scope, id);
    // It holds only what the stack uploads again: destroy may empty it.
    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucket, forceDestroy: true });
    new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
          Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }],
      }),
    });
    const asset = new TerraformAsset(this, "lock-file", { path: props.lockPath, type: AssetType.FILE });
    this.lock = new S3Object(this, "openclaw-lock", {
      bucket: this.bucket.id,
      key: props.lockKey,
      source: asset.path,
      sourceHash: props.lockSha256,
      contentType: "application/json",
    });
    // `content` (uploaded as UTF-8 text, the bytes whose sha256 the loader pins) rather than an asset:
    // the script is rendered at synth, holds no secret, and a plan shows what changes on the host
    // (aws_s3_object, AWS provider 5.100.0 docs, read 2026-11-30).
    this.hostScriptKey = props.hostScriptKey;
    this.hostScript = new S3Object(this, "host-script", {
      bucket: this.bucket.id,
      key: props.hostScriptKey,
      content: terraformLiteral(props.hostScript),
      contentType: "text/x-shellscript",
    });
    // The same way: `content`, so a plan shows the config's diff and a change uploads it again (the
    // provider compares content; S3's 5 GB PutObject limit is far above openclaw.json's few KB).
    this.config = new S3Object(this, "openclaw-config", {
      bucket: this.bucket.id,
      key: props.configKey,
      content: terraformLiteral(props.config),
      contentType: "application/json",
    });
  }

  /** What the host needs: GetObject on the host script, the lock and openclaw.json, those three objects only. */
  grantRead(): IamStatement[] {
    return [
      { Sid: "ReadBootArtifacts", Effect: "Allow", Action: ["s3:GetObject"], Resource: [this.hostScript.arn, this.lock.arn, this.config.arn] },
      // A launch from an earlier template version (a rollback) needs the host script it pins: an
      // earlier version of the same object (modules/host/steps.ts hostScriptStep).
      { Sid: "ReadHostScriptVersions", Effect: "Allow", Action: ["s3:GetObjectVersion"], Resource: [this.hostScript.arn] },
      {
        Sid: "ListHostScriptVersions", Effect: "Allow", Action: ["s3:ListBucketVersions"], Resource: [this.bucket.arn],
        Condition: { StringEquals: { "s3:prefix": [this.hostScriptKey] } },
      },
    ];
  }
}
