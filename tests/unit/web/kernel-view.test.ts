// The kernel view's refreshes: only while the panel is open and the page visible, one at a time,
// about once a second, slower after a slow one; the selected process's details; a machine
// without the program, and an answer that is not the program's.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ExecOptions, ExecResult } from "../../../worker/api";
import { buildLessons } from "../../../web/lessons/format";
import { KernelView } from "../../../web/state/kernel-view.svelte";
import { Lab } from "../../../web/state/lab.svelte";
import { memoryProgress } from "../../../web/state/progress";
import { connectFake } from "../../../web/vm/adapter";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/inspect/${name}.json`, import.meta.url), "utf8");
const encoder = new TextEncoder();

function result(stdout: string, exitCode = 0, stderr = ""): ExecResult {
  return { exitCode, status: "ok", stdout, stderr, stdoutBytes: encoder.encode(stdout) };
}

/** A guest whose inspector answers after `delayMs` (fake time) with `answer(command)`. */
function guest(answer: (command: string) => ExecResult = () => result(fixture("uts-namespace"))) {
  const calls: Array<{ command: string; at: number }> = [];
  let delayMs = 40;
  let running = 0;
  let most = 0;
  const exec = vi.fn(async (command: string, options?: ExecOptions) => {
    expect(options?.timeoutMs).toBeGreaterThan(0);
    calls.push({ command, at: performance.now() });
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, delayMs));
    running--;
    return answer(command);
  });
  return {
    exec,
    calls,
    setDelay: (ms: number) => (delayMs = ms),
    get mostAtOnce() {
      return most;
    },
  };
}

beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
afterEach(() => vi.useRealTimers());

describe("KernelView", () => {
  it("asks the machine nothing while closed, about once a second while open, and nothing again once closed", async () => {
    const g = guest();
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    await vi.advanceTimersByTimeAsync(5000);
    expect(g.calls).toHaveLength(0);

    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(view.status).toBe("ready");
    expect(view.picture?.groups.uts.map((g) => g.label)).toEqual(["contained", "box"]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(g.calls.length).toBeGreaterThanOrEqual(4);
    expect(g.calls.length).toBeLessThanOrEqual(6);
    expect(g.calls.every((c) => c.command === "exec /usr/sbin/contained-inspect")).toBe(true);

    view.setOpen(false);
    const made = g.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(g.calls).toHaveLength(made);
    view.dispose();
  });

  it("pauses while the page is hidden and refreshes at once when it is shown again", async () => {
    const g = guest();
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(1500);
    view.setPageVisible(false);
    const made = g.calls.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(g.calls).toHaveLength(made);
    view.setPageVisible(true);
    await vi.advanceTimersByTimeAsync(10);
    expect(g.calls).toHaveLength(made + 1);
    view.dispose();
  });

  it("waits for the machine to run, and begins when told it does", async () => {
    const g = guest();
    let running = false;
    const view = new KernelView({ exec: g.exec, canRun: () => running });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(g.calls).toHaveLength(0);
    expect(view.status).toBe("waiting");
    running = true;
    view.wake();
    await vi.advanceTimersByTimeAsync(100);
    expect(view.status).toBe("ready");
    view.dispose();
  });

  it("refreshes as soon as a learner's command ends, rather than at the next second", async () => {
    const g = guest();
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(400);
    expect(g.calls).toHaveLength(1);
    view.commandEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(g.calls).toHaveLength(2);
    // one ending while a refresh runs gets one more right after it
    view.commandEnded();
    await vi.advanceTimersByTimeAsync(300);
    expect(g.calls).toHaveLength(3);
    view.dispose();
  });

  it("never runs two refreshes at once, and after a slow one waits several times as long", async () => {
    const g = guest();
    g.setDelay(600);
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    void view.refresh();
    void view.refresh();
    view.select(27);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(g.mostAtOnce).toBe(1);
    const gaps = g.calls.slice(1).map((c, i) => c.at - g.calls[i].at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(6000);
    view.dispose();
  });

  it("says when the machine's image has no contained-inspect, asks again later, and when told to", async () => {
    let installed = false;
    const g = guest(() => (installed ? result(fixture("fresh")) : result("", 127, "sh: 1: exec: /usr/sbin/contained-inspect: not found\n")));
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(view.status).toBe("missing");
    await vi.advanceTimersByTimeAsync(5000);
    expect(g.calls).toHaveLength(1);
    installed = true;
    const checked = view.refresh();
    await vi.advanceTimersByTimeAsync(100);
    await checked;
    expect(view.status).toBe("ready");
    view.dispose();
  });

  it("shows what was wrong with an answer that is not the inspector's, and keeps the last picture", async () => {
    let broken = false;
    const g = guest(() => (broken ? result('{"version":1,"processes":') : result(fixture("fresh"))));
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(100);
    const before = view.snapshot;
    broken = true;
    const refreshed = view.refresh();
    await vi.advanceTimersByTimeAsync(100);
    await refreshed;
    expect(view.status).toBe("error");
    expect(view.error).toMatch(/not JSON/);
    expect(view.snapshot).toBe(before);
    view.dispose();
  });

  it("fetches a selected process's details at once, then with every fifth refresh", async () => {
    const g = guest((command) => result(fixture(command.includes("--pid") ? "user-namespace" : "net-veth")));
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(100);
    view.select(75);
    await vi.advanceTimersByTimeAsync(100);
    expect(g.calls.at(-1)?.command).toBe("exec /usr/sbin/contained-inspect --pid 75");
    expect(view.detail?.uidMap).toEqual([{ inside: 0, outside: 1000, count: 1 }]);
    await vi.advanceTimersByTimeAsync(10_000);
    const withDetail = g.calls.filter((c) => c.command.includes("--pid")).length;
    expect(withDetail).toBeGreaterThanOrEqual(2);
    expect(withDetail).toBeLessThanOrEqual(4);
    expect(view.detail).not.toBeNull();
    view.select(null);
    expect(view.detail).toBeNull();
    view.dispose();
  });

  it("shows the lab's processes only when asked, asking the machine for its kernel threads then", async () => {
    const g = guest((command) => result(fixture(command.includes("--all") ? "fresh-all" : "fresh")));
    const view = new KernelView({ exec: g.exec, canRun: () => true });
    view.setOpen(true);
    await vi.advanceTimersByTimeAsync(100);
    const few = view.picture!.shown.length;
    expect(view.picture!.hidden).toBeGreaterThan(20);
    view.setShowLab(true);
    await vi.advanceTimersByTimeAsync(400);
    expect(g.calls.at(-1)?.command).toBe("exec /usr/sbin/contained-inspect --all");
    expect(view.picture!.shown.length).toBeGreaterThan(few + 20);
    expect(view.picture!.hidden).toBe(0);
    view.dispose();
  });
});

describe("a lesson step's highlight field", () => {
  const files = (highlight: string) => ({
    "./01-demo/index.md": "---\ntitle: Demo\n---\nIntro",
    "./01-demo/01-step/index.md": `---\ntitle: A step\nhighlight: ${highlight}\n---\nText`,
    "./01-demo/01-step/check.sh": "true\n",
    "./01-demo/01-step/solution.sh": "true\n",
  });

  it("names what the kernel view points at", () => {
    expect(buildLessons(files("pid"))[0].steps[0].highlight).toBe("pid");
    expect(buildLessons(files("cgroup"))[0].steps[0].highlight).toBe("cgroup");
  });

  it("is refused, with the file's name, when it names nothing the view draws", () => {
    expect(() => buildLessons(files("pids"))).toThrow(/01-step\/index\.md: highlight must be one of pid, net, mnt/);
  });

  it("is what the lab's kernel view points at while that step is open", async () => {
    vi.useRealTimers();
    const [lesson] = buildLessons(files("uts"));
    const lab = new Lab(await connectFake({ stepMs: 0 }), { lessons: { all: [lesson], start: { lesson, step: 0 }, store: memoryProgress() } });
    expect(lab.kernelView.highlight).toBe("uts");
    lab.dispose();
  });
});
