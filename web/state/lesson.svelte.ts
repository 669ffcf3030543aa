// A lesson in progress: which step is open, and whether each step's check passes. Checks run on
// the control channel (never in the learner's terminal): after each command the learner runs,
// and every few seconds while a step is open and not yet done. A check costs the emulated CPU a
// process or two (0.2 s to 1 s), so polling waits several times as long as the last check took.
import type { ExecOptions, ExecResult } from "../../worker/api";
import type { Lesson, LessonStep } from "../lessons/catalog";

export type CheckStatus = "unchecked" | "checking" | "passed" | "failed";

export const CHECK_INTERVAL_MS = 3000;
/** Polling waits at least this many times as long as the last check took. */
const POLL_COST_FACTOR = 4;
/** Long enough for a first check that still has to fetch its programs from the disk. */
const CHECK_TIMEOUT_MS = 10_000;

export class StepProgress {
  status = $state<CheckStatus>("unchecked");
  /** Why the step is not done yet (what the check printed), or why it could not be checked. */
  hint = $state("");

  constructor(readonly step: LessonStep) {}
}

export interface LessonRunnerOptions {
  exec: (command: string, options?: ExecOptions) => Promise<ExecResult>;
  /** Whether the machine can run a check now. */
  canCheck: () => boolean;
  intervalMs?: number;
}

export class LessonRunner {
  readonly steps: StepProgress[];
  activeIndex = $state(0);
  // $derived.by: `steps` is set in the constructor, and deriveds are read only after it.
  active = $derived.by(() => this.steps[this.activeIndex]);
  passedCount = $derived.by(() => this.steps.filter((s) => s.status === "passed").length);
  complete = $derived.by(() => this.passedCount === this.steps.length);

  private timer: ReturnType<typeof setTimeout> | null = null;
  private polling = false;
  private lastCheckMs = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(
    readonly lesson: Lesson,
    private readonly options: LessonRunnerOptions,
  ) {
    this.steps = lesson.steps.map((step) => new StepProgress(step));
  }

  /** Forgets every result (the machine was reset, so what the checks saw is gone). */
  restart(): void {
    for (const progress of this.steps) {
      progress.status = "unchecked";
      progress.hint = "";
    }
    this.activeIndex = 0;
  }

  open(index: number): void {
    if (index < 0 || index >= this.steps.length) return;
    this.activeIndex = index;
    void this.checkActive();
  }

  /** Checks the open step; on success the next step not yet done opens and is checked too. */
  checkActive(): Promise<void> {
    if (this.inFlight) {
      // a command finished while a check ran: check once more after it
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.runChecks().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async runChecks(): Promise<void> {
    do {
      this.again = false;
      const progress = this.active;
      if (progress.status === "passed" || !this.options.canCheck()) return;
      const passed = await this.runCheck(progress);
      if (passed && this.active === progress) {
        const next = this.steps.findIndex((s, i) => i > this.activeIndex && s.status !== "passed");
        if (next >= 0) {
          this.activeIndex = next;
          this.again = true;
        }
      }
    } while (this.again);
  }

  private async runCheck(progress: StepProgress): Promise<boolean> {
    const before = progress.status;
    progress.status = "checking";
    const started = performance.now();
    try {
      const result = await this.options.exec(progress.step.check, { timeoutMs: CHECK_TIMEOUT_MS });
      this.lastCheckMs = performance.now() - started;
      const passed = result.status === "ok" && result.exitCode === 0;
      progress.status = passed ? "passed" : "failed";
      progress.hint = passed ? "" : result.status === "timeout" ? "The check took too long." : (result.stdout.trim() || result.stderr.trim()).split("\n").pop()!;
      return passed;
    } catch (e) {
      progress.status = before === "checking" ? "unchecked" : before;
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
    this.timer = setTimeout(async () => {
      if (this.complete) return this.stopPolling();
      await this.checkActive();
      if (this.polling) this.schedulePollCheck();
    }, delay);
  }

  stopPolling(): void {
    this.polling = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
