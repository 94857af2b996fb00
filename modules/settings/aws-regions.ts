/**
 * A small, dated table of the AWS commercial regions (partition `aws`) and the letters of their
 * Availability Zones, like the price table in modules/review/pricing.ts. This project's machines have no
 * network access to re-check it: compare with the sources below before relying on a new region,
 * and update the date with the table.
 *
 * Regions — sources, read on REGIONS_AS_OF:
 *  - the AWS SDK for JavaScript v3's partition metadata, `@aws-sdk/core` 3.981.1
 *    (dist-es/submodules/client/util-endpoints/lib/aws/partitions.js, partition "aws"): 36 regions,
 *    including the 2025–2026 launches ap-east-2 (Taipei), ap-southeast-6 (New Zealand),
 *    mx-central-1 (Mexico), me-west-1 (Saudi Arabia) and sa-west-1 (Chile);
 *  - botocore 1.43.11 (2026-05-20) data/partitions.json: the same list without me-west-1 and
 *    sa-west-1, which launched after it;
 *  - https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html.
 * China (cn-*), GovCloud (us-gov-*), the ISO and EU sovereign partitions are not commercial
 * regions of the `aws` partition and are not accepted.
 *
 * Zones — https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 * ("Each Region has at least three Availability Zones"; a zone's code is the region code followed
 * by a letter) and the zone names `aws ec2 describe-availability-zones` lists per region. In the
 * oldest regions AWS maps zone letters to physical zones per account (accounts created before
 * November 2025; https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html), and
 * an older account may see a letter a newer one does not (us-west-1b, ap-northeast-1b): the table
 * holds every letter any account can see, so it refuses only letters that exist in no account.
 * Regions launched with three zones and not yet listed with more (me-west-1, sa-west-1) have a–c.
 */

/** The day the table was recorded. */
export const REGIONS_AS_OF = "2026-11-30";

/** Zone letters of every commercial AWS region. */
export const AWS_REGION_ZONES: Readonly<Record<string, string>> = {
  "us-east-1": "abcdef", "us-east-2": "abc", "us-west-1": "abc", "us-west-2": "abcd",
  "ca-central-1": "abcd", "ca-west-1": "abc", "mx-central-1": "abc",
  "sa-east-1": "abc", "sa-west-1": "abc",
  "eu-west-1": "abc", "eu-west-2": "abc", "eu-west-3": "abc", "eu-central-1": "abc", "eu-central-2": "abc",
  "eu-north-1": "abc", "eu-south-1": "abc", "eu-south-2": "abc",
  "ap-south-1": "abc", "ap-south-2": "abc", "ap-east-1": "abc", "ap-east-2": "abc",
  "ap-northeast-1": "abcd", "ap-northeast-2": "abcd", "ap-northeast-3": "abc",
  "ap-southeast-1": "abc", "ap-southeast-2": "abc", "ap-southeast-3": "abc", "ap-southeast-4": "abc",
  "ap-southeast-5": "abc", "ap-southeast-6": "abc", "ap-southeast-7": "abc",
  "me-south-1": "abc", "me-central-1": "abc", "me-west-1": "abc", "il-central-1": "abc",
  "af-south-1": "abc",
};

/** Every commercial AWS region this project accepts, in the table's order. */
export const AWS_REGIONS: readonly string[] = Object.keys(AWS_REGION_ZONES);

/** Whether `region` is a current commercial AWS region (an own property of the table, never a prototype key). */
export const isAwsRegion = (region: unknown): region is string =>
  typeof region === "string" && Object.prototype.hasOwnProperty.call(AWS_REGION_ZONES, region);

/** The zone names of a region (`us-east-1a` …), or [] for an unknown region. */
export const zonesOf = (region: string): string[] =>
  isAwsRegion(region) ? [...AWS_REGION_ZONES[region]].map((letter) => `${region}${letter}`) : [];
