/**
 * A small, dated price table for the monthly cost estimate (`npm run audit`).
 *
 * Region: us-east-1. EC2: On-Demand, Linux, shared tenancy. Recorded on PRICES_AS_OF from AWS's
 * published list prices (EC2 On-Demand, EBS, VPC public IPv4, KMS pricing pages; CloudWatch's of
 * 2026-11-30). This project's
 * machines have no network access to re-check them: compare with the pricing pages or
 * `aws pricing get-products --service-code AmazonEC2` before quoting a figure, and update the
 * date with the numbers. Other regions cost more or less; the estimate says which region it is for.
 */

/** The day these prices were recorded. */
export const PRICES_AS_OF = "2026-11-24";
/** The region the prices are for. */
export const PRICE_REGION = "us-east-1";
/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/** USD per instance-hour, On-Demand Linux, us-east-1, for every family in modules/settings/instance-types.ts. */
export const INSTANCE_HOURLY_USD: Readonly<Record<string, number>> = {
  "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832, "t3.xlarge": 0.1664, "t3.2xlarge": 0.3328,
  "t3a.small": 0.0188, "t3a.medium": 0.0376, "t3a.large": 0.0752, "t3a.xlarge": 0.1504, "t3a.2xlarge": 0.3008,
  "t4g.small": 0.0168, "t4g.medium": 0.0336, "t4g.large": 0.0672, "t4g.xlarge": 0.1344, "t4g.2xlarge": 0.2688,
  "m6i.large": 0.096, "m6i.xlarge": 0.192, "m6i.2xlarge": 0.384, "m6i.4xlarge": 0.768,
  "m6a.large": 0.0864, "m6a.xlarge": 0.1728, "m6a.2xlarge": 0.3456, "m6a.4xlarge": 0.6912,
  "m6g.large": 0.077, "m6g.xlarge": 0.154, "m6g.2xlarge": 0.308, "m6g.4xlarge": 0.616,
  "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "m7i.2xlarge": 0.4032, "m7i.4xlarge": 0.8064,
  "m7a.large": 0.11592, "m7a.xlarge": 0.23184, "m7a.2xlarge": 0.46368, "m7a.4xlarge": 0.92736,
  "m7g.large": 0.0816, "m7g.xlarge": 0.1632, "m7g.2xlarge": 0.3264, "m7g.4xlarge": 0.6528,
  "m8g.large": 0.08976, "m8g.xlarge": 0.17952, "m8g.2xlarge": 0.35904, "m8g.4xlarge": 0.71808,
  "c6i.large": 0.085, "c6i.xlarge": 0.17, "c6i.2xlarge": 0.34, "c6i.4xlarge": 0.68,
  "c6a.large": 0.0765, "c6a.xlarge": 0.153, "c6a.2xlarge": 0.306, "c6a.4xlarge": 0.612,
  "c6g.large": 0.068, "c6g.xlarge": 0.136, "c6g.2xlarge": 0.272, "c6g.4xlarge": 0.544,
  "c7i.large": 0.08925, "c7i.xlarge": 0.1785, "c7i.2xlarge": 0.357, "c7i.4xlarge": 0.714,
  "c7a.large": 0.10264, "c7a.xlarge": 0.20528, "c7a.2xlarge": 0.41056, "c7a.4xlarge": 0.82112,
  "c7g.large": 0.0725, "c7g.xlarge": 0.145, "c7g.2xlarge": 0.29, "c7g.4xlarge": 0.58,
  "c8g.large": 0.07976, "c8g.xlarge": 0.15952, "c8g.2xlarge": 0.31904, "c8g.4xlarge": 0.63808,
  "r6i.large": 0.126, "r6i.xlarge": 0.252, "r6i.2xlarge": 0.504, "r6i.4xlarge": 1.008,
  "r6g.large": 0.1008, "r6g.xlarge": 0.2016, "r6g.2xlarge": 0.4032, "r6g.4xlarge": 0.8064,
  "r7i.large": 0.1323, "r7i.xlarge": 0.2646, "r7i.2xlarge": 0.5292, "r7i.4xlarge": 1.0584,
  "r7g.large": 0.1071, "r7g.xlarge": 0.2142, "r7g.2xlarge": 0.4284, "r7g.4xlarge": 0.8568,
};

/** USD per GB-month of provisioned EBS storage, by volume type (gp3 baseline IOPS/throughput included). */
export const EBS_GB_MONTH_USD: Readonly<Record<string, number>> = { gp3: 0.08, gp2: 0.1 };
/** USD per GB-month of EBS snapshot storage (standard tier). */
export const SNAPSHOT_GB_MONTH_USD = 0.05;
/**
 * Share of the volume assumed to change per day, for the snapshot estimate: the first snapshot stores
 * the used blocks (assumed: the whole volume, an upper bound), each later one only the changed blocks.
 */
export const SNAPSHOT_DAILY_CHANGE = 0.02;
/** USD per hour for a public IPv4 address (in use or idle, Elastic IP or auto-assigned). */
export const PUBLIC_IPV4_HOURLY_USD = 0.005;
/**
 * USD per hour of a NAT gateway (us-east-1; its $0.045 per GB processed comes on top). The deployment has none
 * (one public subnet): the cost paragraph's avoided figure is its hours plus the public IPv4 address it would hold.
 */
export const NAT_GATEWAY_HOURLY_USD = 0.045;
/** USD per month for a customer managed KMS key (each of its first two rotations adds $1/month). */
export const KMS_KEY_MONTH_USD = 1;

/**
 * USD per month for a standard-resolution CloudWatch alarm (per alarm metric); high-resolution alarms
 * cost more and the stack has none (https://aws.amazon.com/cloudwatch/pricing/, read 2026-11-30).
 */
export const CLOUDWATCH_ALARM_MONTH_USD = 0.1;
/**
 * USD per custom metric-month (the first 10,000 metrics); "prorated by the hour and metered only when
 * sent" (same page): a metric sent in N hours of a month costs N / 730 of it.
 */
export const CUSTOM_METRIC_MONTH_USD = 0.3;
/**
 * Hours a month in which a host metric (modules/host/metrics.ts) is sent when all is well: only
 * BootAbandoned, one data point per launch, and the weekly maintenance window launches about 4.3
 * times a month; the others are sent only on a problem. 5 for each, an upper bound.
 */
export const HEALTHY_MONTH_HOURS_SENT = 5;

/**
 * USD per GB-month of S3 Standard storage (first 50 TB) and per 1,000 GET requests, us-east-1
 * (https://aws.amazon.com/s3/pricing/; the figures as quoted by public pricing guides, e.g.
 * https://devnotes.tech/understanding-aws-s3-pricing-a-complete-cost-breakdown-with-examples, read 2026-12-02).
 */
export const S3_STANDARD_GB_MONTH_USD = 0.023;
export const S3_GET_PER_1000_USD = 0.0004;

/** What is free or not estimated, printed under every estimate. */
export const NOT_INCLUDED = [
  "free: VPC, subnet, internet gateway, route table, security groups, IAM, DLM, SSM standard parameters, "
    + "SNS (1M publishes and 1,000 e-mails a month), the Auto Scaling notifications",
  "CloudWatch's free tier (an account's first 10 alarms and 10 custom metrics) is not applied: alarms are priced at list price",
  "S3: the current objects and the host's GETs are priced; earlier versions the versioned artifacts bucket keeps (one per deploy that changed an object) are not",
  "not estimated (usage-based): data transfer out ($0.09/GB after 100 GB/month free), KMS requests, API calls",
  "KMS: +$1/month after the first rotation and +$1 after the second (years 2 and 3)",
];

/** USD per hour of an instance type; throws, naming the table, when the type has no price. */
export function instanceHourlyUsd(instanceType: string): number {
  const price = INSTANCE_HOURLY_USD[instanceType];
  if (price === undefined) {
    throw new Error(`no price for instance type "${instanceType}" in modules/review/pricing.ts (${PRICE_REGION}, prices of ${PRICES_AS_OF}); ` +
      "add it from the EC2 On-Demand pricing page before estimating");
  }
  return price;
}

/** USD per GB-month of an EBS volume type; throws when the type has no price. */
export function ebsGbMonthUsd(volumeType: string): number {
  const price = EBS_GB_MONTH_USD[volumeType];
  if (price === undefined) throw new Error(`no price for EBS volume type "${volumeType}" in modules/review/pricing.ts`);
  return price;
}
