// Drives a lesson step on the real VM the way a learner does: its solution typed into the
// learner's shells through their consoles (the page's own Typist, so both type alike),
// its setup and check run on the control channel as the page runs them.
import { setupCommand, type LessonStep } from "../../web/lessons/format";
import { PromptWatcher } from "../../web/terminal/prompt";
import { Typist } from "../../web/terminal/typist";
import type { TerminalId } from "../../worker/api";
import type { Lab } from "./harness";

export interface CheckOutcome {
  passed: boolean;
  /** What the check printed last: the learner's hint. */
  hint: string;
  ms: number;
  /** The exec's own status: "ok", or "timeout" for a check that ran out of time. */
  status: string;
}

export class StepDriver {
  /** How long each check took, in ms (the figures in the closing note). */
  readonly checkTimes: number[] = [];

  constructor(private readonly lab: Lab) {}

  async check(step: LessonStep): Promise<CheckOutcome> {
    const started = performance.now();
    const result = await this.lab.vm.api.exec(step.check!, { timeoutMs: 10_000 });
    const ms = performance.now() - started;
    this.checkTimes.push(ms);
    const text = (result.stdout.trim() || result.stderr.trim()).split("\n").pop() ?? "";
    return { passed: result.status === "ok" && result.exitCode === 0, hint: text, ms, status: result.status };
  }

  async setup(step: LessonStep): Promise<void> {
    if (!step.setup) return;
    const result = await this.lab.vm.api.exec(setupCommand(step.setup), { timeoutMs: 90_000 });
    if (result.status !== "ok" || result.exitCode !== 0) {
      throw new Error(`${step.id}/setup.sh failed (${result.status}, exit ${result.exitCode}): ${result.stdout}${result.stderr}`);
    }
  }

  /** Types the step's solution.sh into the learner's shells and waits until every line is typed. */
  async typeSolution(step: LessonStep): Promise<void> {
    const watchers: Record<TerminalId, PromptWatcher> = { main: new PromptWatcher(), second: new PromptWatcher() };
    let stuck: string | null = null;
    const typist = new Typist({
      type: (terminal, text) => {
        if (text.includes("\r")) watchers[terminal].lineEntered();
        void this.lab.vm.api.write(terminal, text);
      },
      stuck: (message) => (stuck = message),
      guestBusy: () => this.lab.statuses.at(-1) === "busy",
    });
    const stop = this.lab.onOutput((terminal, data) => {
      if (watchers[terminal].push(data)) typist.promptShown(terminal);
    });
    try {
      typist.enqueue(step.solution!);
      await typist.whenIdle();
    } finally {
      stop();
    }
    if (stuck) throw new Error(`${step.id}/solution.sh: ${stuck}`);
  }

  /** Checks until the step passes or `timeoutMs` runs out; the last outcome. */
  async waitForPass(step: LessonStep, timeoutMs = 30_000): Promise<CheckOutcome> {
    const deadline = performance.now() + timeoutMs;
    let outcome = await this.check(step);
    while (!outcome.passed && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      outcome = await this.check(step);
    }
    return outcome;
  }
}
