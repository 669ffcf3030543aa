import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExecResult } from "../../../worker/api";
import type { Lesson } from "../../../web/lessons/catalog";
import { LessonRunner } from "../../../web/state/lesson.svelte";

const lesson: Lesson = {
  id: "00-test",
  title: "Test",
  introduction: "",
  steps: [
    { id: "01-file", title: "File", markdown: "", check: "check-file" },
    { id: "02-kernel", title: "Kernel", markdown: "", check: "check-kernel" },
    { id: "03-chroot", title: "Chroot", markdown: "", check: "check-chroot" },
  ],
};

function ok(exitCode: number, stdout = "", stderr = ""): ExecResult {
  return { exitCode, status: "ok", stdout, stderr, stdoutBytes: new TextEncoder().encode(stdout) };
}

/** A guest whose checks pass for the names in `done`. */
function guest(done: Set<string>) {
  const ran: string[] = [];
  const exec = vi.fn(async (command: string) => {
    ran.push(command);
    return done.has(command) ? ok(0) : ok(1, `${command} is not done yet\n`);
  });
  return { exec, ran };
}

afterEach(() => vi.useRealTimers());

describe("LessonRunner", () => {
  it("shows a failing check's hint and keeps the step open", async () => {
    const { exec } = guest(new Set());
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    await runner.checkActive();
    expect(runner.steps[0].status).toBe("failed");
    expect(runner.steps[0].hint).toBe("check-file is not done yet");
    expect(runner.activeIndex).toBe(0);
    expect(runner.passedCount).toBe(0);
  });

  it("passes a step, opens the next one and checks it too", async () => {
    const done = new Set(["check-file", "check-kernel"]);
    const { exec, ran } = guest(done);
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    await runner.checkActive();
    expect(ran).toEqual(["check-file", "check-kernel", "check-chroot"]);
    expect(runner.steps.map((s) => s.status)).toEqual(["passed", "passed", "failed"]);
    expect(runner.activeIndex).toBe(2);
    expect(runner.passedCount).toBe(2);
    expect(runner.complete).toBe(false);
    done.add("check-chroot");
    await runner.checkActive();
    expect(runner.complete).toBe(true);
  });

  it("runs the check on the control channel with a timeout, never anywhere else", async () => {
    const { exec } = guest(new Set());
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    await runner.checkActive();
    expect(exec).toHaveBeenCalledWith("check-file", { timeoutMs: 10_000 });
  });

  it("does not check while the machine cannot run checks", async () => {
    const { exec } = guest(new Set());
    const runner = new LessonRunner(lesson, { exec, canCheck: () => false });
    await runner.checkActive();
    expect(exec).not.toHaveBeenCalled();
    expect(runner.steps[0].status).toBe("unchecked");
  });

  it("says when a check could not run, without failing the step", async () => {
    const exec = vi.fn(async () => {
      throw new Error("the machine is not running");
    });
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    await runner.checkActive();
    expect(runner.steps[0].status).toBe("unchecked");
    expect(runner.steps[0].hint).toBe("Could not check: the machine is not running");
  });

  it("reports a check that timed out", async () => {
    const exec = vi.fn(async (): Promise<ExecResult> => ({ ...ok(137), status: "timeout" }));
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    await runner.checkActive();
    expect(runner.steps[0].status).toBe("failed");
    expect(runner.steps[0].hint).toBe("The check took too long.");
  });

  it("checks once more when asked during a check, not twice at once", async () => {
    let release!: () => void;
    let running = 0;
    let most = 0;
    const exec = vi.fn(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (release = resolve));
      running--;
      return ok(1);
    });
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    const first = runner.checkActive();
    void runner.checkActive();
    void runner.checkActive();
    release();
    await vi.waitFor(() => expect(exec).toHaveBeenCalledTimes(2));
    release();
    await first;
    expect(most).toBe(1);
  });

  it("opening a step checks that step", async () => {
    const { exec, ran } = guest(new Set(["check-chroot"]));
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true });
    runner.open(2);
    await vi.waitFor(() => expect(runner.steps[2].status).toBe("passed"));
    expect(ran).toEqual(["check-chroot"]);
    expect(runner.steps[0].status).toBe("unchecked");
  });

  it("polls the open step until the lesson is complete", async () => {
    vi.useFakeTimers();
    const done = new Set<string>();
    const { exec } = guest(done);
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true, intervalMs: 2000 });
    runner.startPolling();
    await vi.advanceTimersByTimeAsync(2000);
    expect(exec).toHaveBeenCalledTimes(1);
    done.add("check-file").add("check-kernel").add("check-chroot");
    await vi.advanceTimersByTimeAsync(2000);
    expect(runner.complete).toBe(true);
    const calls = exec.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(exec.mock.calls.length).toBe(calls);
  });

  it("polls less often when checks are slow, so they never hog the guest", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const exec = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return ok(1);
    });
    const runner = new LessonRunner(lesson, { exec, canCheck: () => true, intervalMs: 2000 });
    runner.startPolling();
    await vi.advanceTimersByTimeAsync(2000 + 1500);
    expect(exec).toHaveBeenCalledTimes(1);
    // The next poll waits 4 x 1.5 s, not 2 s.
    await vi.advanceTimersByTimeAsync(5900);
    expect(exec).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(exec).toHaveBeenCalledTimes(2);
    runner.stopPolling();
  });
});
