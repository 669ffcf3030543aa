// What a lesson step can ask the kernel view to point at (the step's `highlight` field):
// a kind of namespace, the control groups, or the processes' root directories.
import type { NsKind } from "./model";

export const HIGHLIGHTS = ["pid", "net", "mnt", "uts", "ipc", "user", "time", "cgroupns", "cgroup", "root"] as const;
export type Highlight = (typeof HIGHLIGHTS)[number];

export function isHighlight(value: string): value is Highlight {
  return (HIGHLIGHTS as readonly string[]).includes(value);
}

/** The namespace kind a highlight names ("cgroupns" is the cgroup namespace), or null. */
export function highlightedKind(highlight: Highlight | null): NsKind | null {
  if (highlight === null || highlight === "cgroup" || highlight === "root") return null;
  return highlight === "cgroupns" ? "cgroup" : highlight;
}

export const HIGHLIGHT_CAPTIONS: Record<Highlight, string> = {
  pid: "pid namespaces: each box is one; a process has a pid in every box around it",
  net: "network namespaces: each has its own interfaces and addresses",
  mnt: "mount namespaces: each has its own list of mounts",
  uts: "uts namespaces: each has its own hostname",
  ipc: "ipc namespaces: each has its own message queues and shared memory",
  user: "user namespaces: ids inside map to other ids outside",
  time: "time namespaces: each has its own boot and monotonic clocks",
  cgroupns: "cgroup namespaces: each sees the cgroup tree from its own root",
  cgroup: "control groups: the limits on memory, processes and CPU, and what is used",
  root: "root directories: where each process's / is (chroot)",
};
