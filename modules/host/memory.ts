import { architectureOf } from "../settings/instance-types";

/**
 * The gateway's memory budget on the host, from the instance's memory. openclaw asks for 2 GB and
 * has reported spikes past 4 GB (openclaw/openclaw#45160, #154812); the default host, t4g.small, has
 * 2 GiB. The numbers are checked against the real gateway's measured RSS in
 * __tests__/integration/openclaw-memory.test.ts (2026-11-30: ~1.2 GiB idle, 1.24 GiB peak, so
 * t4g.small's MemoryMax holds the peak only 1.3× over; swap takes the rest of a spike).
 */
export interface MemoryBudget {
  /** The instance's memory, MiB. */
  instanceMiB: number;
  /** V8's old-space cap (NODE_OPTIONS=--max-old-space-size): garbage-collect hard before the cgroup kills. */
  heapMiB: number;
  /** systemd MemoryHigh=: above it the kernel reclaims (and swaps) the gateway's pages aggressively. */
  highMiB: number;
  /** systemd MemoryMax=: the OOM killer stops the gateway here, never the host's own services. */
  maxMiB: number;
  /** Swap file on the root disk (created once per instance). */
  swapMiB: number;
}

/** MiB kept for the kernel, the base system, the SSM agent and Traefik. */
export const HOST_RESERVE_MIB = 384;
/** Swap on the root disk: absorbs spikes and `npm install` at boot; 1 GiB of the 12 GiB root volume. */
export const SWAP_MIB = 1024;

/** GiB of memory of a `large` instance by family class (each size up doubles it). */
const LARGE_GIB: Readonly<Record<string, number>> = { c: 4, m: 8, r: 16, t: 8 };
const SIZE_STEPS = ["large", "xlarge", "2xlarge", "4xlarge"];

/**
 * The memory of a supported instance type (modules/settings/instance-types.ts), MiB, from EC2's
 * published sizes: burstable small 2 GiB, medium 4 GiB; c/m/r/t `large` 4/8/16/8 GiB, doubling per size.
 */
export function instanceMemoryMiB(instanceType: string): number {
  architectureOf(instanceType); // refuses an unknown family
  const [family, size] = instanceType.split(".");
  if (size === "small") return 2048;
  if (size === "medium") return 4096;
  const step = SIZE_STEPS.indexOf(size);
  const large = LARGE_GIB[family[0]];
  if (step < 0 || large === undefined) throw new Error(`instanceType: no memory size known for "${instanceType}"`);
  return large * 1024 * 2 ** step;
}

/**
 * The budget: MemoryMax leaves HOST_RESERVE_MIB to the rest of the host, MemoryHigh sits 256 MiB
 * below it, and the V8 heap cap is 60% of MemoryMax (the rest is native memory: Node itself,
 * sqlite, buffers), so the heap limit is hit, and garbage-collected, before the cgroup's.
 */
export function memoryBudget(instanceType: string): MemoryBudget {
  const instanceMiB = instanceMemoryMiB(instanceType);
  const maxMiB = instanceMiB - HOST_RESERVE_MIB;
  return {
    instanceMiB,
    maxMiB,
    highMiB: maxMiB - 256,
    heapMiB: Math.floor((maxMiB * 0.6) / 64) * 64,
    swapMiB: SWAP_MIB,
  };
}
