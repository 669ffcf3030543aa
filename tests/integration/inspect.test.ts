// The kernel view's data from the real VM: contained-inspect (the image's, or the one built here
// uploaded when the image predates it) after the learner types the commands that make a
// container's pieces into their shells.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectCommand, type InspectOptions } from "../../web/inspect/command";
import type { KernelSnapshot } from "../../web/inspect/model";
import { parseSnapshot } from "../../web/inspect/parse";
import { picture } from "../../web/inspect/picture";
import { startLab, type Lab } from "./harness";
import { installInspector } from "./inspector";

let lab: Lab;

async function inspect(options: InspectOptions = {}): Promise<KernelSnapshot> {
  const result = await lab.vm.api.exec(inspectCommand(options));
  expect(result.exitCode, result.stderr).toBe(0);
  return parseSnapshot(result.stdout);
}

async function run(terminal: "main" | "second", command: string): Promise<string> {
  const { exitCode, output } = await lab.run(terminal, command);
  expect(exitCode, `${command}: ${output}`).toBe(0);
  return output;
}

const loginShell = (s: KernelSnapshot, terminal: "main" | "second") => s.processes.find((p) => p.loginShell && p.terminal === terminal)!;

describe("contained-inspect on the real VM", () => {
  beforeAll(async () => {
    lab = await startLab("state");
    await installInspector((command, options) => lab.vm.api.exec(command, options));
  }, 180_000);
  afterAll(() => lab?.close());

  it("answers in one call: the learner's two login shells marked, the lab's own processes counted, and listed and flagged when asked for", async () => {
    const s = await inspect();
    expect(loginShell(s, "main")).toBeDefined();
    expect(loginShell(s, "second")).toBeDefined();
    // the lab's own: only counted, unless asked for
    expect(s.processes.filter((p) => p.lab)).toEqual([]);
    const all = await inspect({ all: true });
    expect(all.processes.filter((p) => p.lab && !p.kernel).map((p) => p.comm)).toEqual(expect.arrayContaining(["init", "contained-agent", "contained-inspe"]));
    // its cost: scripts/bench-view.ts measures it (a loaded test machine runs the guest slowly)
    expect(s.cpuUs).toBeGreaterThan(0);
    const kernel = all.processes.filter((p) => p.kernel);
    expect(kernel.map((p) => p.comm)).toContain("kthreadd");
    // kernel threads, init, the agent, the inspector (a kworker may come or go meanwhile)
    expect(Math.abs(kernel.length + 3 - s.unlisted)).toBeLessThanOrEqual(2);
    expect(all.unlisted).toBe(0);
  });

  it("after unshare --pid --fork --mount-proc bash in the learner's shell, the shell's child is pid 1 in a new pid namespace", async () => {
    await lab.type("main", "unshare --pid --fork --mount-proc bash");
    const s = await inspect();
    const shell = loginShell(s, "main");
    const unshare = s.processes.find((p) => p.ppid === shell.pid && p.comm === "unshare")!;
    expect(unshare.ns.pid).toBe(s.initialNs.pid);
    const child = s.processes.find((p) => p.ppid === unshare.pid)!;
    expect(child.comm).toBe("bash");
    expect(child.nspid).toEqual([child.pid, 1]);
    expect(child.ns.pid).not.toBe(s.initialNs.pid);
    expect(child.ns.mnt).not.toBe(s.initialNs.mnt); // --mount-proc: a mount namespace for its /proc
    expect(child.terminal).toBe("main");

    const tree = picture(s, { showLab: false }).pidTree;
    expect(tree.children.map((b) => [b.id, b.initPid])).toEqual([[child.ns.pid, child.pid]]);
    // its own /proc, mounted in its own mount namespace
    const detail = (await inspect({ pid: child.pid })).detail!;
    expect(detail.pid).toBe(child.pid);
    expect(detail.mounts.filter((m) => m.mountPoint === "/proc" && m.fsType === "proc").length).toBe(2);
    await lab.type("main", "exit");
  });

  it("after moving a shell into a cgroup with pids.max, the cgroup shows the limit and the shell in it", async () => {
    // learner/NAME once the image hands the pids controller down to learner's children, else a
    // group of its own at the top (the image before that cannot limit a group inside learner)
    const nested = (await lab.vm.api.exec("grep -qw pids /sys/fs/cgroup/learner/cgroup.subtree_control")).exitCode === 0;
    const path = nested ? "/learner/limited" : "/limited";
    await run("second", `mkdir /sys/fs/cgroup${path} && echo 5 > /sys/fs/cgroup${path}/pids.max && echo $$ > /sys/fs/cgroup${path}/cgroup.procs`);
    const s = await inspect();
    const group = s.cgroups.find((c) => c.path === path)!;
    expect(group.pidsMax).toBe(5);
    expect(group.pidsCurrent).toBeGreaterThanOrEqual(1);
    expect(loginShell(s, "second").cgroup).toBe(path);
    const entry = picture(s, { showLab: false }).cgroups.find((c) => c.usage.path === path)!;
    expect(entry.members.map((p) => p.pid)).toContain(loginShell(s, "second").pid);
  });

  it("a veth end moved into a namespace shows up in that namespace only", async () => {
    // into a named namespace no process is in, and into the one a process made
    await run(
      "main",
      "ip netns add red && ip link add veth0 type veth peer name veth1 && ip link set veth1 netns red && ip -n red addr add 10.9.0.2/24 dev veth1",
    );
    // (the fifo: the link moves once the sleeper has its namespace, not before)
    await run("main", "mkfifo /tmp/unshared; unshare --net sh -c 'echo > /tmp/unshared; exec sleep 600' & read < /tmp/unshared");
    await run("main", "ip link add veth2 type veth peer name veth3 && ip link set veth3 netns $!");
    const s = await inspect();
    const names = (id: number) =>
      s.net
        .find((n) => n.id === id)!
        .interfaces.map((i) => i.name)
        .sort();
    const red = s.net.find((n) => n.names.includes("red"))!;
    const sleeper = s.processes.find((p) => p.cmdline === "sleep 600")!;
    expect(sleeper.ns.net).not.toBe(s.initialNs.net);
    expect(names(s.initialNs.net)).toEqual(["lo", "veth0", "veth2"]);
    expect(names(red.id)).toEqual(["lo", "veth1"]);
    expect(red.interfaces.find((i) => i.name === "veth1")?.ipv4).toEqual(["10.9.0.2/24"]);
    expect(names(sleeper.ns.net)).toEqual(["lo", "veth3"]);
    await run("main", "kill %1");
  });
});
