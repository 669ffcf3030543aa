// Reads contained-inspect's JSON into a KernelSnapshot. The guest is the learner's to break, so
// nothing here trusts it: a malformed answer is an InspectFormatError that says what was wrong,
// never a crash further on. Unknown fields are ignored (a newer inspector may add some).
import type { TerminalId } from "../../worker/api";
import {
  NS_KINDS,
  type CgroupUsage,
  type GuestProcess,
  type IdMapping,
  type KernelSnapshot,
  type Limit,
  type Mount,
  type NetInterface,
  type NetNamespace,
  type NsIds,
  type ProcessDetail,
} from "./model";

export class InspectFormatError extends Error {}

const VERSION = 1;
/** The shells' ttys: hvc0/hvc1 (virtio console ports); ttyS0/ttyS1 in images before them (and their fixtures). */
const TERMINALS_BY_TTY: Record<string, TerminalId> = { hvc0: "main", hvc1: "second", ttyS0: "main", ttyS1: "second" };

type Fields = Record<string, unknown>;

function fail(where: string, problem: string): never {
  throw new InspectFormatError(`the kernel view's data is malformed: ${where} ${problem}`);
}

function fields(value: unknown, where: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "is not an object");
  return value as Fields;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) fail(where, "is not a list");
  return value;
}

function count(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) fail(where, `is not a whole number (${JSON.stringify(value)})`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string") fail(where, "is not a string");
  return value;
}

function flag(value: unknown, where: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") fail(where, "is not true or false");
  return value;
}

function optional<T>(value: unknown, read: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : read(value);
}

function limit(value: unknown, where: string): Limit {
  return value === "max" ? "max" : count(value, where);
}

/** Every kind's id; with `base`, the kinds left out are base's (a process lists only those it does not share with the kernel). */
function nsIds(value: unknown, where: string, base?: NsIds): NsIds {
  const o = fields(value, where);
  return Object.fromEntries(NS_KINDS.map((kind) => [kind, base && o[kind] === undefined ? base[kind] : count(o[kind], `${where}.${kind}`)])) as NsIds;
}

function process(value: unknown, where: string, initialNs: NsIds): GuestProcess {
  const o = fields(value, where);
  const pid = count(o.pid, `${where}.pid`);
  const kernel = flag(o.kernel, `${where}.kernel`);
  const tty = optional(o.tty, (v) => text(v, `${where}.tty`)) ?? null;
  const base = { pid, ppid: count(o.ppid, `${where}.ppid`), comm: text(o.comm, `${where}.comm`), state: text(o.state, `${where}.state`), kernel };
  if (kernel) {
    // A kernel thread: the inspector reads nothing more (they share the kernel's namespaces).
    return { ...base, nspid: [pid], cmdline: "", uid: 0, tty: null, ns: initialNs, root: "/", cgroup: "/", lab: true, terminal: null, loginShell: false };
  }
  const nspid = list(o.nspid, `${where}.nspid`).map((n, i) => count(n, `${where}.nspid[${i}]`));
  if (nspid.length === 0 || nspid[0] !== pid) fail(`${where}.nspid`, `does not start with the pid ${pid}`);
  return {
    ...base,
    nspid,
    cmdline: optional(o.cmdline, (v) => text(v, `${where}.cmdline`)) ?? "",
    uid: optional(o.uid, (v) => count(v, `${where}.uid`)) ?? null,
    tty,
    ns: nsIds(o.ns, `${where}.ns`, initialNs),
    root: optional(o.root, (v) => text(v, `${where}.root`)) ?? "?",
    cgroup: optional(o.cgroup, (v) => text(v, `${where}.cgroup`)) ?? "?",
    lab: flag(o.lab, `${where}.lab`),
    terminal: (tty && TERMINALS_BY_TTY[tty]) || null,
    loginShell: flag(o.login, `${where}.login`),
  };
}

function netNamespace(value: unknown, where: string): NetNamespace {
  const o = fields(value, where);
  const interfaces = list(o.interfaces, `${where}.interfaces`).map((v, i): NetInterface => {
    const at = `${where}.interfaces[${i}]`;
    const link = fields(v, at);
    return {
      name: text(link.name, `${at}.name`),
      up: flag(link.up, `${at}.up`),
      running: flag(link.running, `${at}.running`),
      ipv4: list(link.ipv4, `${at}.ipv4`).map((a, j) => text(a, `${at}.ipv4[${j}]`)),
    };
  });
  return { id: count(o.id, `${where}.id`), names: list(o.names, `${where}.names`).map((n, i) => text(n, `${where}.names[${i}]`)), interfaces };
}

function cgroup(value: unknown, where: string): CgroupUsage {
  const o = fields(value, where);
  const usage: CgroupUsage = { path: text(o.path, `${where}.path`) };
  const read = <K extends keyof CgroupUsage>(key: K, parse: (v: unknown, at: string) => CgroupUsage[K]) => {
    if (o[key] !== undefined) usage[key] = parse(o[key], `${where}.${key}`);
  };
  read("memoryCurrent", count);
  read("memoryMax", limit);
  read("pidsCurrent", count);
  read("pidsMax", limit);
  read("nrThrottled", count);
  read("throttledUsec", count);
  read("cpuMax", (v, at) => {
    const [quota, period, extra] = text(v, at).split(" ");
    if (extra !== undefined || !/^\d+$/.test(period ?? "") || !(quota === "max" || /^\d+$/.test(quota)))
      fail(at, `is not "QUOTA PERIOD" (${JSON.stringify(v)})`);
    return { quota: quota === "max" ? "max" : Number(quota), period: Number(period) };
  });
  return usage;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER". */
export function parseMountinfo(source: string): Mount[] {
  return source
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const words = line.split(" ");
      const dash = words.indexOf("-", 6);
      if (words.length < 7 || dash < 0 || !/^\d+$/.test(words[0]) || !/^\d+$/.test(words[1]))
        fail(`mountinfo line ${i + 1}`, `is not a mount (${JSON.stringify(line.slice(0, 80))})`);
      return {
        id: Number(words[0]),
        parent: Number(words[1]),
        root: unescapeOctal(words[3]),
        mountPoint: unescapeOctal(words[4]),
        options: words[5],
        fsType: words[dash + 1] ?? "",
        source: unescapeOctal(words[dash + 2] ?? ""),
      };
    });
}

/** uid_map / gid_map: "INSIDE OUTSIDE COUNT" per line. */
export function parseIdMap(source: string, where = "uid_map"): IdMapping[] {
  return source
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const numbers = line.trim().split(/\s+/);
      if (numbers.length !== 3 || !numbers.every((n) => /^\d+$/.test(n)))
        fail(`${where} line ${i + 1}`, `is not "INSIDE OUTSIDE COUNT" (${JSON.stringify(line)})`);
      const [inside, outside, n] = numbers.map(Number);
      return { inside, outside, count: n };
    });
}

function detail(value: unknown): ProcessDetail {
  const o = fields(value, "detail");
  const pid = count(o.pid, "detail.pid");
  const files = o.cgroupFiles === undefined ? {} : fields(o.cgroupFiles, "detail.cgroupFiles");
  const opt = (key: string) => optional(o[key], (v) => text(v, `detail.${key}`));
  return {
    pid,
    gone: flag(o.gone, "detail.gone"),
    mounts: parseMountinfo(opt("mountinfo") ?? ""),
    uidMap: parseIdMap(opt("uidMap") ?? "", "uid_map"),
    gidMap: parseIdMap(opt("gidMap") ?? "", "gid_map"),
    setgroups: opt("setgroups")?.trim() ?? null,
    cgroup: opt("cgroup") ?? null,
    cgroupFiles: Object.entries(files)
      .map(([name, content]): [string, string] => [name, text(content, `detail.cgroupFiles.${name}`)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** contained-inspect's stdout as a snapshot; an InspectFormatError when it is not what it prints. */
export function parseSnapshot(stdout: string): KernelSnapshot {
  if (stdout.trim() === "") throw new InspectFormatError("the kernel view's program printed nothing");
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (e) {
    throw new InspectFormatError(`the kernel view's data is not JSON (${(e as Error).message}); it begins ${JSON.stringify(stdout.slice(0, 60))}`);
  }
  const o = fields(json, "the answer");
  if (o.version !== VERSION) fail("its version", `is ${JSON.stringify(o.version)}, not ${VERSION}: the page and the machine's image do not match`);
  const initialNs = nsIds(o.kernelNs, "kernelNs");
  const processes = list(o.processes, "processes").map((p, i) => process(p, `processes[${i}]`, initialNs));
  const hostnames = new Map<number, string>();
  list(o.uts, "uts").forEach((u, i) => {
    const entry = fields(u, `uts[${i}]`);
    hostnames.set(count(entry.id, `uts[${i}].id`), text(entry.hostname, `uts[${i}].hostname`));
  });
  return {
    self: count(o.self, "self"),
    initialNs,
    processes,
    unlisted: optional(o.unlisted, (v) => count(v, "unlisted")) ?? 0,
    hostnames,
    net: list(o.net, "net").map((n, i) => netNamespace(n, `net[${i}]`)),
    cgroups: list(o.cgroups, "cgroups").map((c, i) => cgroup(c, `cgroups[${i}]`)),
    cpuUs: count(o.cpuUs, "cpuUs"),
    elapsedUs: count(o.elapsedUs, "elapsedUs"),
    detail: o.detail === undefined ? null : detail(o.detail),
  };
}
