// Every step of every lesson, solved on the real VM, driven by the content itself: the check
// fails before the step's solution.sh is typed into the learner's shell and passes after. Each
// lesson is walked in order on one machine, as a learner does it; then each later step is
// opened on a fresh machine, as a link or a reload opens it (its setup.sh, then the same).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLessons } from "../../scripts/lesson-files";
import type { LessonStep } from "../../web/lessons/format";
import { PROMPT, startLab, type Lab } from "./harness";
import { StepDriver } from "./lesson-driver";

const lessons = readLessons();
const only = process.env.LESSON; // e.g. LESSON=chroot npx vitest run tests/integration/lessons.test.ts

async function solve(driver: StepDriver, step: LessonStep) {
  const before = await driver.check(step);
  expect(before.passed, `${step.id}: its check passes before the solution is typed`).toBe(false);
  expect(before.hint, `${step.id}: a failing check says why (the check's status: ${before.status}, ${before.ms.toFixed(0)} ms)`).not.toBe("");
  await driver.typeSolution(step);
  const after = await driver.waitForPass(step);
  expect(after.passed, `${step.id}: its check still fails after the solution: ${after.hint}`).toBe(true);
}

const times: number[] = [];

for (const lesson of lessons.filter((l) => !only || l.id === only)) {
  const machineSteps = lesson.steps.filter((s) => !s.quiz);
  if (machineSteps.length === 0) continue;
  describe(`lesson ${lesson.folder}`, () => {
    let lab: Lab;
    let driver: StepDriver;
    beforeAll(async () => {
      lab = await startLab("state");
      driver = new StepDriver(lab);
    });
    afterAll(async () => {
      times.push(...driver.checkTimes);
      await lab.close();
    });

    it("walks every step in order: each check fails before its solution and passes after", async () => {
      let first = true;
      for (const step of machineSteps) {
        if (first) await driver.setup(step);
        first = false;
        await solve(driver, step);
      }
    }, 600_000);

    for (const step of machineSteps.slice(1)) {
      it(`opens ${step.id} on a fresh machine: its setup, then its check fails before its solution and passes after`, async () => {
        const from = lab.terminals.main.text.length;
        await lab.vm.api.reset();
        await lab.terminals.main.waitFor(PROMPT, 30_000, from);
        await driver.setup(step);
        await solve(driver, step);
      }, 300_000);
    }
  });
}

describe("checks and setups", () => {
  it("run on the control channel only: not a byte of theirs reaches the learner's terminals", async () => {
    const lab = await startLab("state");
    try {
      const driver = new StepDriver(lab);
      // Start from quiet terminals (their prompts redrawn after the resize).
      for (const terminal of ["main", "second"] as const) {
        await lab.run(terminal, "true");
        const log = lab.terminals[terminal];
        await log.waitFor(PROMPT, 10_000); // the text ends with a prompt
      }
      const from = { main: lab.terminals.main.text.length, second: lab.terminals.second.text.length };
      for (const lesson of lessons.filter((l) => !only || l.id === only)) {
        for (const step of lesson.steps) {
          await driver.setup(step);
          if (!step.quiz) await driver.check(step);
        }
      }
      // What setups left running lives with the learner's processes, not in the lab's own cgroup.
      const labProcesses = await lab.vm.api.exec("for p in $(cat /sys/fs/cgroup/lab/cgroup.procs); do cat /proc/$p/comm; done | sort -u");
      expect(labProcesses.stdout.split("\n").filter((name) => name && !["contained-agent", "sh", "cat", "sort"].includes(name))).toEqual([]);
      // Output is flushed on a timer: a marker typed now arrives after anything they printed.
      for (const terminal of ["main", "second"] as const) {
        await lab.vm.api.write(terminal, "echo '@@'quiet\n");
        await lab.terminals[terminal].waitFor("@@quiet", 30_000, from[terminal]);
        const printed = lab.terminals[terminal].text.slice(from[terminal]);
        expect(printed.slice(0, printed.indexOf("echo '@@'quiet"))).toBe("");
      }
    } finally {
      await lab.close();
    }
  }, 600_000);
});

afterAll(() => {
  if (times.length === 0) return;
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
  console.log(`lesson checks: ${sorted.length} runs, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`);
});
