// What the kernel view draws, worked out from a snapshot: pid namespaces nested as boxes with
// their processes as a tree, processes grouped by each kind of namespace they share, the cgroup
// tree with its usage, and each network namespace's interfaces. Pure: the components only
// render this (and the table view reads the same).
import type { TerminalId } from "../../worker/api";
import { NS_KINDS, type CgroupUsage, type GuestProcess, type KernelSnapshot, type NetNamespace, type NsKind } from "./model";

export interface ProcessEntry {
  process: GuestProcess;
  /** How deep in the process tree of its box (0: its parent is outside the box, or hidden). */
  depth: number;
  /** Its pid inside its own pid namespace. */
  pidInside: number;
  /** The kinds of namespace it does not share with the host. */
  own: NsKind[];
}

export interface PidNamespaceBox {
  id: number;
  initial: boolean;
  /** The pid, as the lab sees it, of the process that is pid 1 inside (null if hidden or gone). */
  initPid: number | null;
  /** The pid of that process's parent (outside: in the box around), to draw the box beneath it. */
  parentPid: number | null;
  entries: ProcessEntry[];
  children: PidNamespaceBox[];
}

export interface NamespaceGroup {
  kind: NsKind;
  id: number;
  initial: boolean;
  /** The hostname (uts), the name given with `ip netns` (net), else "host" or the id. */
  label: string;
  members: GuestProcess[];
}

export interface CgroupEntry {
  usage: CgroupUsage;
  /** The last part of its path ("/" for the root). */
  name: string;
  depth: number;
  members: GuestProcess[];
}

export interface NetEntry {
  namespace: NetNamespace;
  initial: boolean;
  label: string;
  members: GuestProcess[];
}

export interface KernelPicture {
  pidTree: PidNamespaceBox;
  groups: Record<NsKind, NamespaceGroup[]>;
  cgroups: CgroupEntry[];
  net: NetEntry[];
  /** Processes shown, in pid order. */
  shown: GuestProcess[];
  /** The lab's processes left out (with those the inspector only counted). */
  hidden: number;
  /** The cgroups the learner's login shells are in (the usual place, so not marked on each process). */
  homeCgroups: Set<string>;
}

export const TERMINAL_NAMES: Record<TerminalId, string> = { main: "Shell", second: "Second shell" };

/** The agent's cgroup, and the one contained-inspect runs in. */
const isLabCgroup = (path: string) => path === "/lab" || path.startsWith("/lab/") || path === "/lab-view";

/** The pid namespace each pid namespace is nested in (by id), from the processes' parents. */
function pidParents(snapshot: KernelSnapshot): Map<number, number> {
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  const parents = new Map<number, number>();
  for (const p of snapshot.processes) {
    const ns = p.ns.pid;
    if (ns === snapshot.initialNs.pid || parents.has(ns)) continue;
    // The first ancestor in a shallower pid namespace is in the one this is nested in.
    for (let up = byPid.get(p.ppid); up; up = byPid.get(up.ppid)) {
      if (up.nspid.length < p.nspid.length) {
        parents.set(ns, up.ns.pid);
        break;
      }
    }
    if (!parents.has(ns)) parents.set(ns, snapshot.initialNs.pid);
  }
  return parents;
}

/** A box's processes in tree order: each after its parent, siblings by pid. */
function treeOrder(members: GuestProcess[], snapshot: KernelSnapshot): ProcessEntry[] {
  const inBox = new Set(members.map((p) => p.pid));
  const children = new Map<number, GuestProcess[]>();
  const tops: GuestProcess[] = [];
  for (const p of members) {
    if (inBox.has(p.ppid) && p.ppid !== p.pid) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    else tops.push(p);
  }
  const entries: ProcessEntry[] = [];
  const visit = (p: GuestProcess, depth: number) => {
    const own = NS_KINDS.filter((kind) => p.ns[kind] !== snapshot.initialNs[kind]);
    entries.push({ process: p, depth, pidInside: p.nspid[p.nspid.length - 1], own });
    for (const child of children.get(p.pid) ?? []) visit(child, depth + 1);
  };
  for (const p of tops) visit(p, 0);
  return entries;
}

function pidTree(snapshot: KernelSnapshot, shown: GuestProcess[]): PidNamespaceBox {
  const parents = pidParents(snapshot);
  const boxes = new Map<number, PidNamespaceBox>();
  const box = (id: number): PidNamespaceBox => {
    let b = boxes.get(id);
    if (!b) {
      const init = snapshot.processes.find((p) => p.ns.pid === id && p.nspid[p.nspid.length - 1] === 1);
      b = {
        id,
        initial: id === snapshot.initialNs.pid,
        initPid: init && shown.includes(init) ? init.pid : null,
        parentPid: init?.ppid ?? null,
        entries: [],
        children: [],
      };
      boxes.set(id, b);
      // a box is drawn inside its parent's, even one whose own processes are all hidden
      if (!b.initial) box(parents.get(id) ?? snapshot.initialNs.pid).children.push(b);
    }
    return b;
  };
  const root = box(snapshot.initialNs.pid);
  const members = new Map<number, GuestProcess[]>();
  for (const p of shown) members.set(p.ns.pid, [...(members.get(p.ns.pid) ?? []), p]);
  for (const [id, list] of members) box(id).entries = treeOrder(list, snapshot);
  for (const b of boxes.values()) b.children.sort((x, y) => x.id - y.id);
  return root;
}

function groupLabel(kind: NsKind, id: number, initial: boolean, snapshot: KernelSnapshot): string {
  if (kind === "uts") return snapshot.hostnames.get(id) ?? "?";
  if (kind === "net") {
    const names = snapshot.net.find((n) => n.id === id)?.names ?? [];
    if (names.length) return names.join(", ");
  }
  return initial ? "host" : String(id);
}

function groups(snapshot: KernelSnapshot, shown: GuestProcess[]): Record<NsKind, NamespaceGroup[]> {
  const result = {} as Record<NsKind, NamespaceGroup[]>;
  for (const kind of NS_KINDS) {
    const byId = new Map<number, GuestProcess[]>();
    for (const p of shown) byId.set(p.ns[kind], [...(byId.get(p.ns[kind]) ?? []), p]);
    result[kind] = [...byId]
      .map(([id, members]) => {
        const initial = id === snapshot.initialNs[kind];
        return { kind, id, initial, label: groupLabel(kind, id, initial, snapshot), members };
      })
      .sort((a, b) => Number(b.initial) - Number(a.initial) || a.id - b.id);
  }
  return result;
}

function cgroups(snapshot: KernelSnapshot, shown: GuestProcess[], showLab: boolean): CgroupEntry[] {
  return snapshot.cgroups
    .filter((c) => showLab || (c.path !== "/" && !isLabCgroup(c.path)))
    .map((usage) => {
      const parts = usage.path.split("/").filter(Boolean);
      return { usage, name: parts.length ? parts[parts.length - 1] : "/", depth: parts.length, members: shown.filter((p) => p.cgroup === usage.path), parts };
    })
    .sort((a, b) => {
      // depth first: a group right after its parent, siblings by name
      for (let i = 0; i < Math.min(a.parts.length, b.parts.length); i++) if (a.parts[i] !== b.parts[i]) return a.parts[i] < b.parts[i] ? -1 : 1;
      return a.parts.length - b.parts.length;
    })
    .map(({ usage, name, depth, members }) => ({ usage, name, depth, members }));
}

function net(snapshot: KernelSnapshot, shown: GuestProcess[]): NetEntry[] {
  return snapshot.net.map((namespace) => {
    const initial = namespace.id === snapshot.initialNs.net;
    return { namespace, initial, label: groupLabel("net", namespace.id, initial, snapshot), members: shown.filter((p) => p.ns.net === namespace.id) };
  });
}

export function picture(snapshot: KernelSnapshot, { showLab }: { showLab: boolean }): KernelPicture {
  const shown = snapshot.processes.filter((p) => showLab || !p.lab).sort((a, b) => a.pid - b.pid);
  return {
    pidTree: pidTree(snapshot, shown),
    groups: groups(snapshot, shown),
    cgroups: cgroups(snapshot, shown, showLab),
    net: net(snapshot, shown),
    shown,
    hidden: snapshot.processes.length - shown.length + snapshot.unlisted,
    homeCgroups: new Set(snapshot.processes.filter((p) => p.loginShell).map((p) => p.cgroup)),
  };
}

/** How a process is named in the view: its command line, else its name. */
export function commandOf(p: GuestProcess): string {
  return p.cmdline || (p.kernel ? `[${p.comm}]` : p.comm);
}

/** A small, stable colour number (0-7) for a namespace that is not the host's. */
export function colourOf(id: number): number {
  return id % 8;
}
