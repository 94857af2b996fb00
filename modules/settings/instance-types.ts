/**
 * The EC2 instance families this project supports, and what follows from the choice.
 * Only Nitro families are listed: the boot script finds the data volume by its NVMe serial.
 */
export type Architecture = "arm64" | "x86_64";

/** Family → CPU architecture (Graviton families are arm64). */
export const INSTANCE_FAMILIES: Readonly<Record<string, Architecture>> = {
  t3: "x86_64", t3a: "x86_64", t4g: "arm64",
  m6i: "x86_64", m6a: "x86_64", m6g: "arm64", m7i: "x86_64", m7a: "x86_64", m7g: "arm64", m8g: "arm64",
  c6i: "x86_64", c6a: "x86_64", c6g: "arm64", c7i: "x86_64", c7a: "x86_64", c7g: "arm64", c8g: "arm64",
  r6i: "x86_64", r6g: "arm64", r7i: "x86_64", r7g: "arm64",
};

/** Sizes with at least 2 GiB of memory in every family above (installing openclaw needs ~1 GiB). */
export const INSTANCE_SIZES = ["small", "medium", "large", "xlarge", "2xlarge", "4xlarge"] as const;

/** Burstable families: `small` has 2 GiB, `2xlarge` is the largest; the others start at `large`. */
const BURSTABLE = new Set(["t3", "t3a", "t4g"]);

/** Returns the problem with an instance type, or undefined when it is supported. */
export function instanceTypeProblem(instanceType: string): string | undefined {
  const match = /^([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceType);
  if (!match) return `must look like "<family>.<size>", e.g. "t4g.small"`;
  const [, family, size] = match;
  if (!(family in INSTANCE_FAMILIES)) {
    return `unknown instance family "${family}"; allowed families: ${Object.keys(INSTANCE_FAMILIES).join(", ")}`;
  }
  if (!(INSTANCE_SIZES as readonly string[]).includes(size)) {
    return `size "${size}" is not supported (too small or unknown); allowed sizes: ${INSTANCE_SIZES.join(", ")}`;
  }
  if (!BURSTABLE.has(family) && (size === "small" || size === "medium")) {
    return `"${family}" has no size "${size}"; use "large" or bigger`;
  }
  if (BURSTABLE.has(family) && size === "4xlarge") {
    return `"${family}" has no size "${size}"; its largest is "2xlarge"`;
  }
  return undefined;
}

/** The CPU architecture of a (valid) instance type. */
export function architectureOf(instanceType: string): Architecture {
  const arch = INSTANCE_FAMILIES[instanceType.split(".")[0]];
  if (!arch) throw new Error(`instanceType: unknown instance family in "${instanceType}"`);
  return arch;
}
