// The VM worker under stress: the control channel, floods, runaway guests (snapshots: snapshots.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMPT, startLab, type Lab } from "./harness";

describe("the control channel", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab("state");
  });
  afterAll(() => lab.close());

  it("returns stdout, stderr and the exit code, apart", async () => {
    const r = await lab.vm.api.exec("echo out; echo err >&2; exit 3");
    expect(r).toMatchObject({ stdout: "out\n", stderr: "err\n", exitCode: 3, status: "ok" });
  });

  it("never types into or reads from the learner's terminals", async () => {
    const from = { main: lab.terminals.main.text.length, second: lab.terminals.second.text.length };
    await lab.vm.api.exec("echo invis''ible-output; ls /");
    // Output reaches the UI in batches, on a timer: a command run in each terminal now comes
    // after anything the exec could have leaked, so once its marker shows, all of that has.
    for (const terminal of ["main", "second"] as const) {
      expect((await lab.run(terminal, "echo after-exec")).output).toBe("after-exec\n");
      const since = lab.terminals[terminal].text.slice(from[terminal]);
      expect(since).not.toContain("invisible-output");
    }
  });

  it("kills a command that never ends, and the next exec works", async () => {
    const t0 = Date.now();
    const r = await lab.vm.api.exec("sleep 1000; echo never", { timeoutMs: 500 });
    expect(r.status).toBe("timeout");
    expect(r.stdout).toBe("");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await lab.vm.api.exec("pgrep -x sleep || echo gone")).stdout).toBe("gone\n");
    expect((await lab.vm.api.exec("echo next")).stdout).toBe("next\n");
  });

  it("queues concurrent calls instead of interleaving them", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => lab.vm.api.exec(`for n in 1 2 3; do echo ${i}-$n; done`)));
    results.forEach((r, i) => expect(r.stdout).toBe(`${i}-1\n${i}-2\n${i}-3\n`));
  });

  it("passes binary stdin and stdout through exactly", async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) & 255);
    const r = await lab.vm.api.exec("cat > /tmp/blob && cat /tmp/blob", { stdin: bytes });
    expect(r.exitCode).toBe(0);
    expect(r.stdoutBytes).toEqual(bytes);
  });

  it("tells the guest's tty its size when a terminal is resized", async () => {
    await lab.vm.api.resize("main", 37, 101);
    expect((await lab.run("main", "stty size")).output.trim()).toBe("37 101");
  });

  it("delivers output that is not UTF-8 to the terminal as the exact bytes", async () => {
    const { output } = await lab.run("main", "printf 'A\\377\\376\\200\\001Z\\n'");
    expect(output).toContain("A\xff\xfe\x80\x01Z");
  });
});

describe("floods and runaway guests", () => {
  let lab: Lab;
  /** The share of the guest's CPU time that was not idle, over one second (from /proc/stat). */
  const busyShare = async () => {
    const r = await lab.vm.api.exec("head -1 /proc/stat; sleep 1; head -1 /proc/stat");
    const [a, b] = r.stdout
      .trim()
      .split("\n")
      .map((line) => line.split(/\s+/).slice(1).map(Number));
    const total = b.reduce((n, x) => n + x, 0) - a.reduce((n, x) => n + x, 0);
    const idle = b[3] + b[4] - (a[3] + a[4]); // idle + iowait
    return 1 - idle / total;
  };
  beforeAll(async () => {
    lab = await startLab("state");
  });
  afterAll(() => lab.close());

  it("streams 10 MB from the learner's shell to the UI side, all of it in order", async () => {
    // seq 1 1400000 prints 9,988,895 bytes; the tty turns each \n into \r\n.
    const from = lab.terminals.main.text.length;
    await lab.vm.api.write("main", "seq 1 1400000; echo '@@'flood-done\n");
    await lab.terminals.main.waitFor("@@flood-done", 240_000, from);
    const out = lab.terminals.main.text.slice(from).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "");
    const numbers = out
      .split("\n")
      .map((l) => l.replace(/\r/g, ""))
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    expect(numbers.length).toBe(1_400_000);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    const t0 = Date.now();
    expect((await lab.vm.api.exec("echo alive")).stdout).toBe("alive\n");
    expect(Date.now() - t0).toBeLessThan(1000);
  }, 300_000);

  it("stays in charge of a busy loop: reports busy, still answers, and resets", async () => {
    await lab.vm.api.write("main", "while :; do :; done\n");
    await expect.poll(() => lab.vm.api.status(), { timeout: 15_000, interval: 250 }).toBe("busy");
    const t0 = Date.now();
    expect((await lab.vm.api.exec("echo still here")).stdout).toBe("still here\n");
    expect(Date.now() - t0).toBeLessThan(2000);
    // The guest's own CPU accounting over a second: busy now, idle once reset.
    expect(await busyShare()).toBeGreaterThan(0.8);
    await lab.vm.api.reset();
    expect(await busyShare()).toBeLessThan(0.5);
    expect((await lab.vm.api.exec("pgrep -c bash")).stdout.trim()).toBe("2");
  }, 60_000);

  it("survives a fork bomb in the learner's shell, and reset brings a fresh machine", async () => {
    await lab.terminals.main.waitFor(PROMPT);
    await lab.vm.api.write("main", ":(){ :|:& };:\n");
    // The learner's cgroup caps its processes; the control channel keeps answering meanwhile.
    await expect
      .poll(async () => Number((await lab.vm.api.exec("cat /sys/fs/cgroup/learner/pids.current", { timeoutMs: 10_000 })).stdout), {
        timeout: 60_000,
        interval: 500,
      })
      .toBeGreaterThan(500);
    const t0 = Date.now();
    expect((await lab.vm.api.exec("echo still here")).stdout).toBe("still here\n");
    expect(Date.now() - t0).toBeLessThan(5000);
    const reset = await lab.vm.api.reset();
    expect(reset.from).toBe("state");
    expect((await lab.vm.api.exec("cat /sys/fs/cgroup/learner/pids.current")).stdout.trim()).toBe("2");
  }, 90_000);
});
