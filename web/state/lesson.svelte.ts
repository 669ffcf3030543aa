// A lesson in progress: which step is open and whether each step is done. Checks run on the
// control channel (never in the learner's terminal): when the learner's shell comes back to its
// prompt, in a short burst after each command they enter (a command such as `tail -f` or
// `chroot` may never give the prompt back), and every few seconds while a step is open. A check
// costs the emulated CPU a process or two, so polling waits several times as long as the last
// check took. Steps done are kept (ProgressStore) across reloads until the learner forgets them.
import type { ExecOptions, ExecResult } from "../../worker/api";
import type { Lesson, LessonStep } from "../lessons/catalog";
import { errorCode } from "../../worker/errors";
import { setupCommand } from "../lessons/format";
import type { ProgressStore } from "./progress";

export type CheckStatus = "unchecked" | "preparing" | "checking" | "passed" | "failed";

export const CHECK_INTERVAL_MS = 2000;
/** Polling waits at least this many times as long as the last check took. */
const POLL_COST_FACTOR = 4;
/** After the learner enters a command, checks at these delays (ms) even if no prompt comes back. */
export const BURST_MS = [300, 1000, 2500];
/** Long enough for a first check that still has to fetch its programs from the disk. */
const CHECK_TIMEOUT_MS = 10_000;
/** A setup may unpack a root filesystem (~4 s in the emulator, more on a slow phone). */
const SETUP_TIMEOUT_MS = 90_000;

export class StepProgress {
  status = $state<CheckStatus>("unchecked");
  /** Why the step is not done yet (what the check printed), or why it could not be checked. */
  hint = $state("");
  /** A quiz step: the choice picked last. */
  answer = $state<number | null>(null);

  constructor(readonly step: LessonStep) {}
}

export interface LessonRunnerOptions {
  exec: (command: string, options?: ExecOptions) => Promise<ExecResult>;
  /** Whether the machine can run a check now. */
  canCheck: () => boolean;
  store: ProgressStore;
  intervalMs?: number;
  /** A step was just passed (the lab keeps a checkpoint of the machine). */
  passed?: (lesson: Lesson, index: number) => void;
}

function lastLine(result: ExecResult): string {
  const text = result.stdout.trim() || result.stderr.trim();
  return text.split("\n").pop() ?? "";
}

export class LessonRunner {
  readonly steps: StepProgress[];
  activeIndex = $state(0);
  // $derived.by: `steps` is set in the constructor, and deriveds are read only after it.
  active = $derived.by(() => this.steps[this.activeIndex]);
  passedCount = $derived.by(() => this.steps.filter((s) => s.status === "passed").length);
  complete = $derived.by(() => this.passedCount === this.steps.length);

  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private burstTimers: Array<ReturnType<typeof setTimeout>> = [];
  private polling = false;
  private lastCheckMs = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;
  /** Steps whose end state this machine has: passed, or set up, since it started. */
  private reached = new Set<number>();
  private setUp = new Set<number>();

  constructor(
    readonly lesson: Lesson,
    private readonly options: LessonRunnerOptions,
  ) {
    this.steps = lesson.steps.map((step) => new StepProgress(step));
    const passed = new Set(options.store.passed(lesson.id));
    for (const progress of this.steps) if (passed.has(progress.step.id)) progress.status = "passed";
    this.activeIndex = this.firstOpen();
  }

  private firstOpen(): number {
    const index = this.steps.findIndex((s) => s.status !== "passed");
    return index < 0 ? 0 : index;
  }

  private remember(): void {
    this.options.store.setPassed(
      this.lesson.id,
      this.steps.filter((s) => s.status === "passed").map((s) => s.step.id),
    );
  }

  /** The machine was replaced by a fresh one: what it had done is gone, the steps done stay done. */
  machineReplaced(): void {
    this.reached.clear();
    this.setUp.clear();
    for (const progress of this.steps) {
      if (progress.status !== "passed") {
        progress.status = "unchecked";
        progress.hint = "";
      }
    }
  }

  /**
   * The machine was replaced by a snapshot taken with these steps done: their end states are on
   * it, so the step after them needs no setup.
   */
  machineRestored(): void {
    this.machineReplaced();
    this.steps.forEach((progress, index) => {
      if (progress.status === "passed") this.reached.add(index);
    });
  }

  /** Forgets every step done (the learner asked to start the lesson over). */
  forget(): void {
    for (const progress of this.steps) {
      progress.status = "unchecked";
      progress.hint = "";
      progress.answer = null;
    }
    this.remember();
    this.activeIndex = 0;
  }

  open(index: number): void {
    if (index < 0 || index >= this.steps.length) return;
    this.activeIndex = index;
    void this.checkActive();
  }

  /** A quiz step's answer: the step passes when it is the right one. */
  answer(index: number, choice: number): void {
    const progress = this.steps[index];
    const quiz = progress?.step.quiz;
    if (!quiz || !quiz.choices[choice]) return;
    progress.answer = choice;
    const right = quiz.choices[choice].correct;
    progress.status = right ? "passed" : "failed";
    progress.hint = right ? "" : quiz.choices[choice].feedback || "Not quite: try another answer.";
    if (!right) return;
    this.reached.add(index);
    this.remember();
    if (this.active === progress) this.advanceFrom(index);
    this.options.passed?.(this.lesson, index);
  }

  /** The learner entered a command in a shell: check soon, and again, even if no prompt returns. */
  commandEntered(): void {
    this.clearBurst();
    this.burstTimers = BURST_MS.map((ms) => setTimeout(() => void this.checkActive(), ms));
  }

  /** Checks the open step (setting it up first if it needs it); when it passes, the next step not done opens and is checked too. */
  checkActive(): Promise<void> {
    if (this.inFlight) {
      // something changed while a check ran: check once more after it
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.runChecks().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async runChecks(): Promise<void> {
    do {
      this.again = false;
      const index = this.activeIndex;
      const progress = this.active;
      if (progress.status === "passed" || !this.options.canCheck()) return;
      if (!(await this.prepare(index)) || progress.step.quiz) return;
      const passed = await this.runCheck(progress);
      if (passed) {
        this.reached.add(index);
        this.remember();
        if (this.active === progress && this.advanceFrom(index)) this.again = true;
        this.options.passed?.(this.lesson, index);
      }
    } while (this.again);
  }

  /** Opens the next step not done after `index`; false when there is none. */
  private advanceFrom(index: number): boolean {
    const next = this.steps.findIndex((s, i) => i > index && s.status !== "passed");
    if (next < 0) return false;
    this.activeIndex = next;
    this.clearBurst();
    return true;
  }

  /**
   * Runs the step's setup.sh when this machine has not done the steps before it (a link opened
   * it, the page was reloaded, the machine was reset). False when it could not.
   */
  private async prepare(index: number): Promise<boolean> {
    const progress = this.steps[index];
    const setup = progress.step.setup;
    if (!setup || this.setUp.has(index) || this.reached.has(index - 1)) return true;
    progress.status = "preparing";
    progress.hint = "";
    try {
      const result = await this.options.exec(setupCommand(setup), { timeoutMs: SETUP_TIMEOUT_MS });
      if (result.status !== "ok" || result.exitCode !== 0) {
        progress.status = "failed";
        progress.hint = `Could not prepare this step: ${lastLine(result) || (result.status === "timeout" ? "it took too long" : `exit status ${result.exitCode}`)}`;
        return false;
      }
      this.setUp.add(index);
      progress.status = "unchecked";
      return true;
    } catch (e) {
      progress.status = "unchecked";
      // (a restore gave it up: the lab checks the restored machine afresh)
      if (errorCode(e) === "abandoned") return false;
      progress.hint = `Could not prepare this step: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    }
  }

  private async runCheck(progress: StepProgress): Promise<boolean> {
    const before = progress.status;
    progress.status = "checking";
    const started = performance.now();
    try {
      const result = await this.options.exec(progress.step.check!, { timeoutMs: CHECK_TIMEOUT_MS });
      this.lastCheckMs = performance.now() - started;
      const passed = result.status === "ok" && result.exitCode === 0;
      progress.status = passed ? "passed" : "failed";
      progress.hint = passed ? "" : result.status === "timeout" ? "The check took too long." : lastLine(result);
      return passed;
    } catch (e) {
      progress.status = before === "checking" ? "unchecked" : before;
      if (errorCode(e) === "abandoned") return false; // (see prepare)
      progress.hint = `Could not check: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    }
  }

  /** Checks the open step every few seconds until the lesson is complete. */
  startPolling(): void {
    if (this.polling) return;
    this.polling = true;
    this.schedulePollCheck();
  }

  private schedulePollCheck(): void {
    const delay = Math.max(this.options.intervalMs ?? CHECK_INTERVAL_MS, POLL_COST_FACTOR * this.lastCheckMs);
    this.pollTimer = setTimeout(async () => {
      if (!this.polling) return;
      if (!this.complete) await this.checkActive();
      if (this.polling) this.schedulePollCheck();
    }, delay);
  }

  private clearBurst(): void {
    for (const timer of this.burstTimers) clearTimeout(timer);
    this.burstTimers = [];
  }

  stopPolling(): void {
    this.polling = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.clearBurst();
  }
}
