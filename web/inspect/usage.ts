// A cgroup's usage against its limits, in words and as a share, for bars and table cells.
import { formatBytes } from "../files/transfer";
import type { CgroupUsage, Limit } from "./model";

export interface Usage {
  /** "3.2 MiB of 32.0 MiB", "4 of 20", "5 (no limit)" */
  text: string;
  /** used / limit, 0..1; null without a limit */
  share: number | null;
}

function usage(current: number | undefined, max: Limit | undefined, format: (n: number) => string): Usage | null {
  if (current === undefined) return null;
  if (max === undefined || max === "max") return { text: `${format(current)} (no limit)`, share: null };
  return { text: `${format(current)} of ${format(max)}`, share: max > 0 ? Math.min(1, current / max) : 1 };
}

export const memoryUsage = (c: CgroupUsage) => usage(c.memoryCurrent, c.memoryMax, formatBytes);
export const pidsUsage = (c: CgroupUsage) => usage(c.pidsCurrent, c.pidsMax, String);

/** cpu.max in words: "20% of a CPU" or "no limit". */
export function cpuLimit(c: CgroupUsage): string | null {
  if (!c.cpuMax) return null;
  if (c.cpuMax.quota === "max") return "no limit";
  return `${Math.round((100 * c.cpuMax.quota) / c.cpuMax.period)}% of a CPU`;
}

/** How often and how long the kernel held the group back for its cpu.max. */
export function throttling(c: CgroupUsage): string | null {
  if (c.nrThrottled === undefined) return null;
  if (c.nrThrottled === 0) return "never throttled";
  const seconds = (c.throttledUsec ?? 0) / 1e6;
  return `throttled ${c.nrThrottled} ${c.nrThrottled === 1 ? "time" : "times"}, ${seconds.toFixed(seconds < 10 ? 2 : 0)} s in all`;
}
