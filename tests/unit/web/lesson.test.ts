// LessonRunner against a scripted guest: what the learner sees step by step. The guest's state
// is a set of facts that checks and setups read and write, so each test asserts an outcome.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExecResult } from "../../../worker/api";
import type { Lesson, LessonStep } from "../../../web/lessons/catalog";
import { BURST_MS, LessonRunner } from "../../../web/state/lesson.svelte";
import { memoryProgress } from "../../../web/state/progress";

function step(id: string, extra: Partial<LessonStep> = {}): LessonStep {
  return { id, title: id, markdown: "", terminal: "main", check: `check ${id}`, solution: [{ terminal: "main", text: id }], ...extra };
}

const lesson: Lesson = {
  id: "test",
  folder: "00-test",
  title: "Test",
  summary: "",
  introduction: "",
  steps: [step("01-file"), step("02-kernel", { setup: "setup 02-kernel" }), step("03-chroot")],
};

function ok(exitCode: number, stdout = "", stderr = ""): ExecResult {
  return { exitCode, status: "ok", stdout, stderr, stdoutBytes: new TextEncoder().encode(stdout) };
}

/** A guest whose `check X` passes once X is a fact, and whose `setup X` makes "X set up" a fact. */
function guest() {
  const facts = new Set<string>();
  const ran: string[] = [];
  const exec = vi.fn(async (command: string) => {
    ran.push(command);
    const [verb, name] = command.split("\n").pop()!.split(" ");
    if (verb === "setup") {
      facts.add(`${name} set up`);
      return ok(0);
    }
    return facts.has(name) ? ok(0) : ok(1, `first line\n${name} is not done yet\n`);
  });
  return { facts, exec, ran };
}

function runner(g = guest(), store = memoryProgress()) {
  return { g, store, runner: new LessonRunner(lesson, { exec: g.exec, canCheck: () => true, store }) };
}

afterEach(() => vi.useRealTimers());

describe("LessonRunner", () => {
  it("shows the last line a failing check printed as the hint, and keeps the step open", async () => {
    const { runner: r } = runner();
    await r.checkActive();
    expect(r.steps[0].status).toBe("failed");
    expect(r.steps[0].hint).toBe("01-file is not done yet");
    expect(r.activeIndex).toBe(0);
  });

  it("passes a step, opens the next one and checks it too, without its setup (the machine did the step before)", async () => {
    const { g, runner: r } = runner();
    g.facts.add("01-file");
    await r.checkActive();
    expect(r.steps.map((s) => s.status)).toEqual(["passed", "failed", "unchecked"]);
    expect(r.activeIndex).toBe(1);
    expect(g.ran.filter((c) => c.endsWith("setup 02-kernel"))).toEqual([]);
    g.facts.add("02-kernel").add("03-chroot");
    await r.checkActive();
    expect(r.complete).toBe(true);
  });

  it("sets up a step opened on a machine that did not do the steps before it, once", async () => {
    const { g, runner: r } = runner();
    r.open(1);
    await vi.waitFor(() => expect(r.steps[1].status).toBe("failed"));
    expect(g.facts.has("02-kernel set up")).toBe(true);
    await r.checkActive();
    expect(g.ran.filter((c) => c.endsWith("setup 02-kernel"))).toHaveLength(1);
  });

  it("sets the step up again on a fresh machine, and keeps the steps done", async () => {
    const { g, runner: r } = runner();
    r.open(1);
    await vi.waitFor(() => expect(r.steps[1].status).toBe("failed"));
    g.facts.clear(); // the machine was reset
    g.facts.add("02-kernel");
    r.machineReplaced();
    await r.checkActive();
    expect(g.facts.has("02-kernel set up")).toBe(true);
    expect(r.steps[1].status).toBe("passed");
  });

  it("says a setup failed, and does not check the step", async () => {
    const exec = vi.fn(async (command: string) => (command.endsWith("setup 02-kernel") ? ok(2, "", "tar: no space left on device\n") : ok(0)));
    const r = new LessonRunner(lesson, { exec, canCheck: () => true, store: memoryProgress() });
    r.open(1);
    await vi.waitFor(() => expect(r.steps[1].status).toBe("failed"));
    expect(r.steps[1].hint).toBe("Could not prepare this step: tar: no space left on device");
  });

  it("remembers the steps done, so a new visit opens at the first step not done", async () => {
    const { g, store, runner: r } = runner();
    g.facts.add("01-file");
    await r.checkActive();
    const again = new LessonRunner(lesson, { exec: g.exec, canCheck: () => true, store });
    expect(again.steps.map((s) => s.status)).toEqual(["passed", "unchecked", "unchecked"]);
    expect(again.activeIndex).toBe(1);
    again.forget();
    expect(store.passed("test")).toEqual([]);
    expect(new LessonRunner(lesson, { exec: g.exec, canCheck: () => true, store }).activeIndex).toBe(0);
  });

  it("does not check while the machine cannot run checks", async () => {
    const g = guest();
    const r = new LessonRunner(lesson, { exec: g.exec, canCheck: () => false, store: memoryProgress() });
    await r.checkActive();
    expect(g.ran).toEqual([]);
    expect(r.steps[0].status).toBe("unchecked");
  });

  it("says when a check could not run, without failing the step", async () => {
    const exec = vi.fn(async (): Promise<ExecResult> => {
      throw new Error("the machine is not running");
    });
    const r = new LessonRunner(lesson, { exec, canCheck: () => true, store: memoryProgress() });
    await r.checkActive();
    expect(r.steps[0].status).toBe("unchecked");
    expect(r.steps[0].hint).toBe("Could not check: the machine is not running");
  });

  it("reports a check that timed out", async () => {
    const exec = vi.fn(async (): Promise<ExecResult> => ({ ...ok(137), status: "timeout" }));
    const r = new LessonRunner(lesson, { exec, canCheck: () => true, store: memoryProgress() });
    await r.checkActive();
    expect(r.steps[0].status).toBe("failed");
    expect(r.steps[0].hint).toBe("The check took too long.");
  });

  it("checks once more when asked during a check, never two at once", async () => {
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
    const r = new LessonRunner(lesson, { exec, canCheck: () => true, store: memoryProgress() });
    const first = r.checkActive();
    void r.checkActive();
    void r.checkActive();
    await vi.waitFor(() => expect(exec).toHaveBeenCalledTimes(1));
    release();
    await vi.waitFor(() => expect(exec).toHaveBeenCalledTimes(2));
    release();
    await first;
    expect(most).toBe(1);
  });

  it("after a command is entered, a step passes within a second even if no prompt comes back", async () => {
    vi.useFakeTimers();
    const { g, runner: r } = runner();
    g.facts.add("01-file"); // e.g. the learner started `tail -f`, which never gives the prompt back
    r.commandEntered();
    await vi.advanceTimersByTimeAsync(BURST_MS[0]);
    expect(r.steps[0].status).toBe("passed");
    expect(BURST_MS[0]).toBeLessThan(1000);
  });

  it("polls the open step until the lesson is complete, then stops", async () => {
    vi.useFakeTimers();
    const { g, runner: r } = runner();
    r.startPolling();
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.steps[0].status).toBe("failed");
    g.facts.add("01-file").add("02-kernel").add("03-chroot");
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.complete).toBe(true);
    const calls = g.ran.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(g.ran.length).toBe(calls);
    r.stopPolling();
  });

  it("polls less often when checks are slow, so they never hog the guest", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const exec = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return ok(1);
    });
    const r = new LessonRunner(lesson, { exec, canCheck: () => true, store: memoryProgress(), intervalMs: 2000 });
    r.startPolling();
    await vi.advanceTimersByTimeAsync(2000 + 1500);
    expect(exec).toHaveBeenCalledTimes(1);
    // The next poll waits 4 x 1.5 s, not 2 s.
    await vi.advanceTimersByTimeAsync(5900);
    expect(exec).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(exec).toHaveBeenCalledTimes(2);
    r.stopPolling();
  });
});

describe("a quiz step", () => {
  const quizLesson: Lesson = {
    ...lesson,
    steps: [
      step("01-quiz", {
        check: undefined,
        solution: undefined,
        quiz: {
          question: "How many kernels?",
          choices: [
            { text: "One per shell", correct: false, feedback: "Both shells are processes of one system." },
            { text: "One", correct: true, feedback: "" },
          ],
        },
      }),
      step("02-next"),
    ],
  };

  it("runs a quiz step's setup when it opens on a fresh machine, and never a check", async () => {
    const g = guest();
    const withSetup: Lesson = { ...quizLesson, steps: [step("01-first"), { ...quizLesson.steps[0], setup: "setup 02-quiz" }] };
    const r = new LessonRunner(withSetup, { exec: g.exec, canCheck: () => true, store: memoryProgress() });
    r.open(1);
    await vi.waitFor(() => expect(g.facts.has("02-quiz set up")).toBe(true));
    expect(g.ran.filter((c) => c.startsWith("check"))).toEqual([]);
    expect(r.steps[1].status).toBe("unchecked");
  });

  it("passes on the right answer only, says why a wrong one is wrong, and never runs a check", async () => {
    const g = guest();
    const store = memoryProgress();
    const r = new LessonRunner(quizLesson, { exec: g.exec, canCheck: () => true, store });
    await r.checkActive();
    expect(g.ran).toEqual([]);
    r.answer(0, 0);
    expect(r.steps[0].status).toBe("failed");
    expect(r.steps[0].hint).toBe("Both shells are processes of one system.");
    r.answer(0, 1);
    expect(r.steps[0].status).toBe("passed");
    expect(r.activeIndex).toBe(1);
    expect(store.passed("test")).toEqual(["01-quiz"]);
  });
});
