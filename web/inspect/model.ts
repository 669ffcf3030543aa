// The kernel's view of the guest, as the kernel view draws it: what contained-inspect
// (images/agent/inspect.c) reports, typed. Pure data: no DOM, no Svelte.
import type { TerminalId } from "../../worker/api";

export const NS_KINDS = ["pid", "net", "mnt", "uts", "ipc", "user", "cgroup", "time"] as const;
export type NsKind = (typeof NS_KINDS)[number];
/** A namespace's id: the inode number in /proc/PID/ns/KIND ("pid:[4026531836]"). */
export type NsIds = Record<NsKind, number>;

/** A cgroup limit: bytes or a count, or "max" (none). */
export type Limit = number | "max";

export interface GuestProcess {
  pid: number;
  ppid: number;
  /** The pid in each pid namespace from ours inward; the last is the pid inside its own. */
  nspid: number[];
  comm: string;
  /** The command line, arguments joined with spaces ("" for a kernel thread). */
  cmdline: string;
  /** R, S, D, Z, T, I, ... as in ps. */
  state: string;
  /** The effective uid as seen from the initial user namespace; null when unknown. */
  uid: number | null;
  /** The controlling terminal: "hvc0", "pts/1", ...; null for none. */
  tty: string | null;
  ns: NsIds;
  /** The process's root directory as the lab sees it ("/" unless chrooted). */
  root: string;
  /** Its cgroup v2 path ("/learner"). */
  cgroup: string;
  kernel: boolean;
  /** The lab's own: init, kernel threads, the control agent and what it runs. */
  lab: boolean;
  /** The learner's terminal this process runs in (its controlling tty), if any. */
  terminal: TerminalId | null;
  /** One of the learner's two login shells (init starts them). */
  loginShell: boolean;
}

export interface NetInterface {
  name: string;
  up: boolean;
  running: boolean;
  /** "10.0.0.1/24" */
  ipv4: string[];
}

export interface NetNamespace {
  id: number;
  /** Its names from `ip netns add` (none for most). */
  names: string[];
  interfaces: NetInterface[];
}

export interface CgroupUsage {
  /** "/" for the root, "/learner", ... */
  path: string;
  memoryCurrent?: number;
  memoryMax?: Limit;
  pidsCurrent?: number;
  pidsMax?: Limit;
  /** cpu.max: at most `quota` µs of CPU per `period` µs. */
  cpuMax?: { quota: Limit; period: number };
  nrThrottled?: number;
  throttledUsec?: number;
}

/** One line of /proc/PID/mountinfo. */
export interface Mount {
  id: number;
  parent: number;
  /** The part of the filesystem mounted ("/" unless a bind mount of a subtree). */
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
}

/** One line of uid_map or gid_map: ids inside from `inside`, mapped to `outside`, `count` of them. */
export interface IdMapping {
  inside: number;
  outside: number;
  count: number;
}

export interface ProcessDetail {
  pid: number;
  /** The process ended before it could be read. */
  gone: boolean;
  mounts: Mount[];
  uidMap: IdMapping[];
  gidMap: IdMapping[];
  /** "allow" or "deny" (a user namespace's setgroups) */
  setgroups: string | null;
  cgroup: string | null;
  /** The cgroup's files and what they hold, by name. */
  cgroupFiles: Array<[name: string, content: string]>;
}

export interface KernelSnapshot {
  /** The inspector's own pid (a lab process). */
  self: number;
  /** The initial namespaces: the kernel's own (kthreadd's), which every host process shares. */
  initialNs: NsIds;
  processes: GuestProcess[];
  /** The lab's processes counted but not listed: kernel threads, init, the agent and the inspector (listed only when asked). */
  unlisted: number;
  /** Each uts namespace's hostname, by namespace id. */
  hostnames: Map<number, string>;
  net: NetNamespace[];
  cgroups: CgroupUsage[];
  /** What the refresh cost the guest (the inspector's own CPU time and its run time), µs. */
  cpuUs: number;
  elapsedUs: number;
  detail: ProcessDetail | null;
}
