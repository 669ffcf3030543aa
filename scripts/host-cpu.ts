// The host's CPU over a stretch of a bench, from /proc (Linux): how busy the machine was, and how
// much of that was the bench's own browser. Timings on a shared machine drift with what else
// runs there; a reading taken while other processes held the cores is told apart by this.
import { readFileSync, readdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";

interface Sample {
  at: number;
  /** Jiffies of all CPUs: busy (not idle nor iowait), stolen (the hypervisor ran something else on the VM's CPUs), in all. */
  busy: number;
  steal: number;
  total: number;
  /** Jiffies (user + system) of the browser's processes. */
  browser: number;
}

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const HZ = 100;

function machine(): { busy: number; steal: number; total: number } {
  // user nice system idle iowait irq softirq steal
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4] - fields[7], steal: fields[7], total };
}

/** User + system jiffies of `root` and every process under it. */
function treeTime(root: number): number {
  const parent = new Map<number, number>();
  const time = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(name), Number(rest[1]));
      time.set(Number(name), Number(rest[11]) + Number(rest[12]));
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  for (const [pid, t] of time) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}

/** The browser's main process: the one started with `--user-data-dir=<profile>`. */
export function browserPid(profile: string): number | null {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (cmdline.includes(`--user-data-dir=${profile}`) && !cmdline.some((a) => a.startsWith("--type="))) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** Starts measuring; the function returned ends it and describes the stretch (null where /proc is not there). */
export function hostCpu(browser: number | null): () => string | null {
  let start: Sample;
  try {
    start = { at: performance.now(), ...machine(), browser: browser ? treeTime(browser) : 0 };
  } catch {
    return () => null;
  }
  const load = loadavg()[0];
  return () => {
    const end = { at: performance.now(), ...machine(), browser: browser ? treeTime(browser) : 0 };
    const cores = cpus().length;
    const busy = (end.busy - start.busy) / (end.total - start.total); // of all cores
    const steal = (end.steal - start.steal) / (end.total - start.total);
    const seconds = (end.at - start.at) / 1000;
    const ours = (end.browser - start.browser) / HZ / seconds / cores; // of all cores
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    return `${cores} cores ${pct(busy)} busy: this browser ${browser ? pct(ours) : "?"}, everything else ${browser ? pct(Math.max(0, busy - ours)) : "?"}; stolen by the hypervisor ${pct(steal)}; load average ${load.toFixed(1)} before`;
  };
}
