// The kernel view's data: contained-inspect's answers captured on the real guest
// (tests/fixtures/inspect/, made by scripts/capture-inspect.ts), read into snapshots and
// pictures; and answers that are not what it prints, refused with a clear error.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InspectFormatError, parseIdMap, parseMountinfo, parseSnapshot } from "../../../web/inspect/parse";
import { picture, type PidNamespaceBox } from "../../../web/inspect/picture";

const dir = new URL("../../fixtures/inspect/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`${name}.json`, dir), "utf8");
const snapshot = (name: string) => parseSnapshot(fixture(name));

function allBoxes(box: PidNamespaceBox): PidNamespaceBox[] {
  return [box, ...box.children.flatMap(allBoxes)];
}

describe("contained-inspect's answers from the real guest", () => {
  it("parses every capture", () => {
    const names = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) expect(() => parseSnapshot(readFileSync(new URL(name, dir), "utf8")), name).not.toThrow();
  });

  it("a fresh machine: the two login shells on ttyS0 and ttyS1, the lab's processes flagged, one of each namespace", () => {
    const s = snapshot("fresh");
    const shells = s.processes.filter((p) => p.loginShell);
    expect(shells.map((p) => p.terminal)).toEqual(["main", "second"]);
    expect(shells.every((p) => !p.lab && p.comm === "bash")).toBe(true);
    // the lab's own are only counted unless asked for
    expect(s.processes).toHaveLength(2);
    expect(s.unlisted).toBeGreaterThan(20);
    const all = snapshot("fresh-all");
    expect(all.processes.find((p) => p.pid === 1)?.lab).toBe(true);
    expect(all.processes.find((p) => p.comm === "contained-agent")?.lab).toBe(true);
    expect(all.processes.find((p) => p.pid === all.self)?.lab).toBe(true);
    const kthread = all.processes.find((p) => p.comm === "kthreadd")!;
    expect(kthread).toMatchObject({ kernel: true, lab: true, ns: all.initialNs, nspid: [2] });
    expect(all.unlisted).toBe(0);
    expect([...s.hostnames.values()]).toEqual(["contained"]);
    expect(s.net).toHaveLength(1);
    expect(s.net[0].interfaces.map((i) => i.name)).toEqual(["lo"]);

    const p = picture(s, { showLab: false });
    expect(p.shown.map((x) => x.pid)).toEqual(shells.map((x) => x.pid));
    expect(p.hidden).toBe(s.processes.length - 2 + s.unlisted);
    expect(p.pidTree.children).toEqual([]);
    expect(p.cgroups.map((c) => c.usage.path)).not.toContain("/lab");
    expect(picture(all, { showLab: true }).shown).toHaveLength(all.processes.length);
  });

  it("after unshare --pid --fork --mount-proc bash: the shell's child is pid 1 in a new pid namespace, drawn inside the host's", () => {
    const s = snapshot("pid-namespace");
    const inner = s.processes.find((p) => p.cmdline === "bash" && p.nspid.length === 2)!;
    expect(inner.nspid[1]).toBe(1);
    expect(inner.ns.pid).not.toBe(s.initialNs.pid);
    expect(inner.ns.mnt).not.toBe(s.initialNs.mnt);
    const unshare = s.processes.find((p) => p.pid === inner.ppid)!;
    expect(unshare.comm).toBe("unshare");
    expect(unshare.ns.pid).toBe(s.initialNs.pid);

    const tree = picture(s, { showLab: false }).pidTree;
    expect(tree.initial).toBe(true);
    expect(tree.children).toHaveLength(1);
    const box = tree.children[0];
    expect(box).toMatchObject({ id: inner.ns.pid, initPid: inner.pid, parentPid: unshare.pid });
    expect(box.entries.map((e) => [e.process.pid, e.pidInside, e.own])).toEqual([[inner.pid, 1, ["pid", "mnt"]]]);
    // the shell, then unshare as its child, in the host's box
    const host = tree.entries.map((e) => [e.process.comm, e.depth]);
    expect(host).toContainEqual(["unshare", 1]);
  });

  it("after unshare --uts bash and hostname box: a second uts group named box, the host's still contained", () => {
    const s = snapshot("uts-namespace");
    const uts = picture(s, { showLab: false }).groups.uts;
    expect(uts.map((g) => [g.label, g.initial])).toEqual([
      ["contained", true],
      ["box", false],
    ]);
    expect(uts[1].members.map((p) => p.cmdline)).toEqual(["bash"]);
    expect(uts[0].members.some((p) => p.loginShell && p.terminal === "second")).toBe(true);
  });

  it("a cgroup with limits: pids.max, memory.max and cpu.max, with the throttling", () => {
    const s = snapshot("cgroup-limits");
    const box = s.cgroups.find((c) => c.path.endsWith("/box"))!;
    expect(box).toMatchObject({ pidsMax: 20, memoryMax: 32 * 1024 * 1024, cpuMax: { quota: 20000, period: 100000 } });
    expect(box.pidsCurrent).toBeGreaterThanOrEqual(1);
    expect(typeof box.nrThrottled).toBe("number");
    const learner = s.cgroups.find((c) => c.path === "/learner")!;
    expect(learner.pidsMax).toBe(1024);
    // the lab's cgroups (the agent's, the inspector's) only with the lab's processes
    expect(s.cgroups.map((c) => c.path).filter((path) => path.startsWith("/lab"))).toEqual([]);
    const all = snapshot("fresh-all");
    expect(all.cgroups.find((c) => c.path === "/lab")?.memoryMax).toBe("max");
    expect(all.processes.find((p) => p.pid === all.self)?.cgroup).toBe("/lab-view");
    const entry = picture(s, { showLab: false }).cgroups.find((c) => c.usage === box)!;
    expect(entry.members.map((p) => p.nspid.at(-1))).toEqual([1]);
  });

  it("a veth pair: one end in the host's network namespace, the other in the named namespace blue, which no process is in", () => {
    const s = snapshot("net-veth");
    const net = picture(s, { showLab: false }).net;
    const host = net.find((n) => n.initial)!;
    const blue = net.find((n) => n.label === "blue")!;
    expect(host.namespace.interfaces.map((i) => [i.name, i.ipv4])).toEqual([
      ["lo", ["127.0.0.1/8"]],
      ["veth0", ["10.0.0.1/24"]],
    ]);
    expect(blue.namespace.interfaces.map((i) => [i.name, i.up, i.ipv4])).toEqual([
      ["lo", false, []],
      ["veth1", true, ["10.0.0.2/24"]],
    ]);
    expect(blue.members).toEqual([]);
  });

  it("a user namespace: uid 0 inside is 1000 outside, in the detail's uid and gid maps", () => {
    const s = snapshot("user-namespace");
    expect(s.detail).not.toBeNull();
    const p = s.processes.find((x) => x.pid === s.detail!.pid)!;
    expect(p.uid).toBe(1000);
    expect(p.ns.user).not.toBe(s.initialNs.user);
    expect(s.detail!.uidMap).toEqual([{ inside: 0, outside: 1000, count: 1 }]);
    expect(s.detail!.gidMap).toEqual([{ inside: 0, outside: 1000, count: 1 }]);
    expect(s.detail!.setgroups).toBe("deny");
  });

  it("the detail of a process in a new mount namespace: its own /proc mount, its cgroup's files sorted", () => {
    const d = snapshot("detail-pid-namespace").detail!;
    expect(d.gone).toBe(false);
    expect(d.mounts[0]).toMatchObject({ mountPoint: "/", fsType: "ext2" });
    expect(d.mounts.filter((m) => m.mountPoint === "/proc").length).toBeGreaterThanOrEqual(2);
    const names = d.cgroupFiles.map(([name]) => name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("pids.max");
    expect(names).not.toContain("cgroup.kill"); // write-only
  });

  it("a chroot: the process's root directory", () => {
    const s = snapshot("chroot");
    expect(s.processes.find((p) => p.cmdline === "/bin/bash")?.root).toBe("/srv/box");
    expect(allBoxes(picture(s, { showLab: false }).pidTree).length).toBe(2);
  });
});

describe("answers that are not what contained-inspect prints", () => {
  const good = JSON.parse(fixture("fresh"));
  const broken = (change: (o: Record<string, unknown>) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return JSON.stringify(copy);
  };

  it.each([
    ["", /printed nothing/],
    ["sh: /usr/sbin/contained-inspect: not found", /not JSON.*begins "sh:/],
    ['{"version":1,"processes":[', /not JSON/],
    ["[1,2]", /the answer is not an object/],
    [broken((o) => (o.version = 2)), /version is 2, not 1/],
    [broken((o) => delete o.kernelNs), /kernelNs is not an object/],
    [broken((o) => (o.processes = {})), /processes is not a list/],
    [broken((o) => ((o.processes as Array<Record<string, unknown>>)[0].pid = "1")), /processes\[0\]\.pid is not a whole number/],
    [broken((o) => ((o.processes as Array<Record<string, unknown>>)[0].nspid = [7])), /processes\[0\]\.nspid does not start with the pid \d+/],
    [broken((o) => ((o.processes as Array<Record<string, unknown>>).at(-1)!.ns = { net: "blue" })), /\.ns\.net is not a whole number/],
    [broken((o) => ((o.cgroups as Array<Record<string, unknown>>)[0].cpuMax = "lots")), /cgroups\[0\]\.cpuMax is not "QUOTA PERIOD"/],
    [broken((o) => ((o.cgroups as Array<Record<string, unknown>>)[0].pidsMax = -3)), /pidsMax is not a whole number/],
    [broken((o) => (o.uts = [{ id: 1 }])), /uts\[0\]\.hostname is not a string/],
    [broken((o) => (o.detail = { pid: 5, mountinfo: "no mounts here" })), /mountinfo line 1 is not a mount/],
    [broken((o) => (o.detail = { pid: 5, uidMap: "0 1000" })), /uid_map line 1 is not "INSIDE OUTSIDE COUNT"/],
  ])("refuses %#: %s", (text, message) => {
    expect(() => parseSnapshot(text)).toThrow(InspectFormatError);
    expect(() => parseSnapshot(text)).toThrow(message);
  });

  it("ignores fields it does not know", () => {
    expect(parseSnapshot(broken((o) => (o.somethingNew = { x: 1 }))).processes.length).toBe(good.processes.length);
  });
});

describe("mountinfo and id maps", () => {
  it("reads mountinfo's optional fields and octal escapes", () => {
    const [m] = parseMountinfo("36 35 98:0 /my\\040dir /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n");
    expect(m).toEqual({ id: 36, parent: 35, root: "/my dir", mountPoint: "/mnt/with space", options: "rw,noatime", fsType: "ext3", source: "/dev/root" });
  });

  it("reads an id map with several lines", () => {
    expect(parseIdMap("         0       1000          1\n         1     100000      65536\n")).toEqual([
      { inside: 0, outside: 1000, count: 1 },
      { inside: 1, outside: 100000, count: 65536 },
    ]);
  });
});
