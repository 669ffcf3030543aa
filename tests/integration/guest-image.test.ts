// The guest Linux: boots, and every command of the course notes works as written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMPT, startLab, type Lab } from "./harness";

describe("booting", () => {
  it("boots from the kernel to a working shell on both terminals", async () => {
    const lab = await startLab("kernel");
    try {
      const { output, exitCode } = await lab.run("main", "echo hello from $(uname -m)");
      expect(exitCode).toBe(0);
      expect(output).toContain("hello from i686");
      await lab.terminals.second.waitFor(PROMPT);
      expect((await lab.run("second", "tty")).output).toContain("/dev/hvc1");
    } finally {
      await lab.close();
    }
  });

  it("restores the pre-booted state to a working shell, the clock set to now", async () => {
    const lab = await startLab("state");
    try {
      expect(lab.terminals.main.text).toMatch(/root@contained:~# $/);
      const { output } = await lab.run("main", "date +%s");
      const guestNow = Number(output.trim());
      expect(Math.abs(guestNow - Date.now() / 1000)).toBeLessThan(30);
    } finally {
      await lab.close();
    }
  });
});

describe("the course notes, verbatim", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab("state");
  });
  afterAll(() => lab.close());

  it("names the system in /etc/issue", async () => {
    const { output } = await lab.run("main", "cat /etc/issue");
    expect(output).toMatch(/Contained/);
    expect(output).toMatch(/Debian GNU\/Linux 12/);
  });

  it("chroot: bash runs inside my-new-root once its libraries are copied, and ls is missing", async () => {
    const run = (c: string) => lab.run("main", c);
    expect((await run("mkdir -p my-new-root")).exitCode).toBe(0);
    expect((await run("mkdir -p my-new-root/bin")).exitCode).toBe(0);
    expect((await run("cp /bin/bash my-new-root/bin")).exitCode).toBe(0);
    const ldd = await run("ldd /bin/bash");
    expect(ldd.exitCode).toBe(0);
    const libs = [...ldd.output.matchAll(/(\/[^\s]+) \(0x/g)].map((m) => m[1]);
    expect(libs.length).toBeGreaterThanOrEqual(3);
    // "copy everything that has a directory into my-new-root following the same structure"
    for (const lib of libs) {
      const dir = lib.slice(0, lib.lastIndexOf("/"));
      expect((await run(`mkdir -p my-new-root${dir} && cp ${lib} my-new-root${dir}`)).exitCode).toBe(0);
    }
    expect((await run("cd my-new-root")).exitCode).toBe(0);
    await lab.type("main", "chroot . bash");
    const inside = await run("echo inside $BASH_VERSION");
    expect(inside.output).toMatch(/inside 5\./);
    const ls = await run("ls");
    expect(ls.exitCode).toBe(127);
    expect(ls.output).toMatch(/ls: command not found/);
    await lab.type("main", "exit");
    expect((await run("cd ~ && pwd")).output.trim()).toBe("/root");
  });

  it("ships a ready root filesystem (instead of debootstrap) where ls, cd and cp work", async () => {
    const run = (c: string) => lab.run("main", c);
    expect((await run("mkdir -p /my-directory-root && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /my-directory-root")).exitCode).toBe(0);
    await lab.type("main", "chroot /my-directory-root bash");
    const ls = await run("ls / && cd /etc && cp issue /tmp/copied && ls /tmp");
    expect(ls.exitCode).toBe(0);
    expect(ls.output).toContain("copied");
    await lab.type("main", "exit");
    await run("cd ~");
  });

  it("unshare: in the new namespaces ps aux shows only the namespace's own processes", async () => {
    const run = (c: string) => lab.run("main", c);
    // A process outside, that must not be visible inside.
    await run("sleep 1000 & true");
    expect((await run("mkdir -p /desired-new-root && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /desired-new-root")).exitCode).toBe(0);
    await lab.type("main", "unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /desired-new-root bash");
    expect((await run("mount -t proc none /proc")).exitCode).toBe(0);
    expect((await run("mount -t sysfs none /sys")).exitCode).toBe(0);
    expect((await run("mount -t tmpfs none /tmp")).exitCode).toBe(0);
    const ps = await run("ps aux");
    expect(ps.exitCode).toBe(0);
    const processes = ps.output.trim().split(/\r?\n/).slice(1);
    expect(processes.some((p) => /sleep 1000/.test(p))).toBe(false);
    expect(processes.some((p) => /contained-agent/.test(p))).toBe(false);
    expect(processes.find((p) => /^\S+\s+1\s/.test(p))).toMatch(/bash/);
    expect(processes.length).toBeLessThanOrEqual(3);
    await lab.type("main", "exit");
    await run("kill %1");
  });

  it("has cgroup v2 mounted with the cpu, memory and pids controllers", async () => {
    const r = await lab.vm.api.exec("cat /sys/fs/cgroup/cgroup.controllers; stat -f -c %T /sys/fs/cgroup");
    expect(r.stdout).toMatch(/\bcpu\b/);
    expect(r.stdout).toMatch(/\bmemory\b/);
    expect(r.stdout).toMatch(/\bpids\b/);
    expect(r.stdout).toMatch(/cgroup2fs/);
  });

  it("connects two network namespaces with a veth pair and pings across it", async () => {
    const script = [
      "ip netns add red",
      "ip netns add blue",
      "ip link add veth-red type veth peer name veth-blue",
      "ip link set veth-red netns red",
      "ip link set veth-blue netns blue",
      "ip -n red addr add 10.0.0.1/24 dev veth-red",
      "ip -n blue addr add 10.0.0.2/24 dev veth-blue",
      "ip -n red link set veth-red up",
      "ip -n blue link set veth-blue up",
      "ip netns exec red ping -c 2 -W 2 10.0.0.2",
    ].join(" && ");
    const r = await lab.vm.api.exec(script, { timeoutMs: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/2 packets transmitted, 2 received/);
    await lab.vm.api.exec("ip netns del red; ip netns del blue");
  });
});

describe("the learner's cgroups and shell marks", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab("state");
    await lab.terminals.second.waitFor(PROMPT);
  });
  afterAll(() => lab.close());

  const cgroupOf = async (terminal: "main" | "second") => (await lab.run(terminal, "cat /proc/$$/cgroup")).output.trim();

  it("a group made in learner/ gets pids.max, and the shells live in learner/shells", async () => {
    expect(await cgroupOf("main")).toBe("0::/learner/shells");
    expect(await cgroupOf("second")).toBe("0::/learner/shells");
    const learner = await lab.vm.api.exec(
      "cat /sys/fs/cgroup/learner/cgroup.subtree_control /sys/fs/cgroup/learner/cgroup.procs /sys/fs/cgroup/learner/pids.max",
    );
    expect(learner.stdout).toBe("cpu memory pids\n1024\n"); // no process in learner itself
    const run = (c: string) => lab.run("main", c);
    expect((await run("mkdir /sys/fs/cgroup/learner/box && echo 20 > /sys/fs/cgroup/learner/box/pids.max")).exitCode).toBe(0);
    expect((await run("echo 16M > /sys/fs/cgroup/learner/box/memory.max")).exitCode).toBe(0);
    expect((await run("echo 50000 100000 > /sys/fs/cgroup/learner/box/cpu.max")).exitCode).toBe(0);
    const box = await run("cd /sys/fs/cgroup/learner/box && cat pids.max memory.max cpu.max; cd ~");
    expect(box.output).toBe("20\n16777216\n50000 100000\n");
    // The learner's own shell moves into the group; the lab's limits still hold above it.
    expect((await run("echo $$ > /sys/fs/cgroup/learner/box/cgroup.procs")).exitCode).toBe(0);
    expect(await cgroupOf("main")).toBe("0::/learner/box");
    expect((await lab.vm.api.exec("cat /sys/fs/cgroup/learner/pids.current")).stdout).toBe("2\n");
    // The group's own limit holds: a shell in it forks until box/pids.max (20) says no.
    const forks = await lab.vm.api.exec(
      "sh -c 'echo $$ > /sys/fs/cgroup/learner/box/cgroup.procs; while :; do sleep 600 </dev/null >/dev/null 2>&1 & done' 2>&1; " +
        "cat /sys/fs/cgroup/learner/box/pids.current /sys/fs/cgroup/learner/box/pids.events",
      { timeoutMs: 30_000 },
    );
    expect(forks.stdout).toMatch(/Cannot fork\n19\nmax [1-9]\d*\n$/); // the shell that hit it exited
  });

  it("cgroup.kill on learner/ ends the shells in every group below it, and init starts them again in learner/shells", async () => {
    const prompt = /\x1b\]133;A\x07root@contained:~# (?:\x1b\[K)?$/;
    const shells = { main: "", second: "" };
    const from = { main: 0, second: 0 };
    for (const t of ["main", "second"] as const) {
      shells[t] = (await lab.run(t, "echo $$")).output.trim();
      await lab.terminals[t].waitFor(prompt); // back at the prompt: what comes next is the new shell's
      from[t] = lab.terminals[t].text.length;
    }
    expect((await lab.vm.api.exec("echo 1 > /sys/fs/cgroup/learner/cgroup.kill")).exitCode).toBe(0);
    for (const t of ["main", "second"] as const) {
      const fresh = await lab.terminals[t].waitFor(prompt, 30_000, from[t]);
      expect(fresh).not.toContain("\x1b]133;D"); // a new shell: no command ended yet
      expect((await lab.run(t, "echo $$")).output.trim()).not.toBe(shells[t]);
      expect(await cgroupOf(t)).toBe("0::/learner/shells");
    }
    const r = await lab.vm.api.exec("cat /sys/fs/cgroup/learner/box/cgroup.procs; rmdir /sys/fs/cgroup/learner/box");
    expect(r).toMatchObject({ stdout: "", exitCode: 0 });
  });

  it("marks where each prompt starts and how the command before it ended (OSC 133), and $? stays the command's", async () => {
    const log = lab.terminals.main;
    let from = log.text.length;
    await lab.vm.api.write("main", "false\n");
    await log.waitFor("\x1b]133;D;1\x07\x1b[?2004h\x1b]133;A\x07root@contained:~# ", 30_000, from);
    expect((await lab.run("main", "(exit 7)")).exitCode).toBe(7);
    from = log.text.length;
    await lab.vm.api.write("main", "(exit 42)\n");
    await log.waitFor("\x1b]133;D;42\x07", 30_000, from);
    from = log.text.length;
    expect((await lab.run("main", "echo $?")).output.trim()).toBe("42");
    // The terminal shows the same prompt as ever: the marks are escape sequences it hides.
    const shown = await log.waitFor("\x1b]133;D;0\x07\x1b[?2004h\x1b]133;A\x07root@contained:~# ", 30_000, from);
    expect(shown.replace(/\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[a-zA-Z]|\r/g, "")).toMatch(/\n42\n@@done-\w+=0\nroot@contained:~# $/);
  });
});
