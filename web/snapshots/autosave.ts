// When the lab saves the machine by itself: a few seconds after the learner's last command
// ended (debounced; a command still running, an unpack, is not saved in its middle, unless it
// runs on for RUNNING_COMMAND_MS), at once when a step passes or the page is hidden. At most one save runs; a
// trigger during it saves once more after it. Nothing is saved when nothing ran since the
// last save (a learner reading the lesson does not cost a save a minute).
export const AUTOSAVE_DEBOUNCE_MS = 5000;
/** A command that has not ended by then (a server, `sleep` in the foreground) is saved as it runs. */
export const RUNNING_COMMAND_MS = 30_000;

export interface AutosaveOptions {
  save: () => Promise<void>;
  /** Whether saves may run now (the machine is ready, this tab owns the lab). */
  enabled: () => boolean;
  debounceMs?: number;
  runningCommandMs?: number;
}

export class AutosaveScheduler {
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(private readonly options: AutosaveOptions) {}

  /** The learner entered a command: it is saved once it has ended (commandEnded), or has run long. */
  commandEntered(): void {
    this.dirty = true;
    this.saveIn(this.options.runningCommandMs ?? RUNNING_COMMAND_MS);
  }

  /** A shell is back at its prompt after a command: save once the learner has been quiet for a few seconds. */
  commandEnded(): void {
    if (this.dirty) this.saveIn(this.options.debounceMs ?? AUTOSAVE_DEBOUNCE_MS);
  }

  /** Something worth keeping happened (a step passed): save now. */
  changedNow(): Promise<void> {
    this.dirty = true;
    return this.flush();
  }

  /** The page is going away: save now if anything ran since the last save. */
  leaving(): Promise<void> {
    return this.flush();
  }

  /** The machine under the lab was replaced by a saved one: nothing new to save yet. */
  replaced(): void {
    this.clearTimer();
    this.dirty = false;
  }

  /** Whether something ran since the last save. */
  get pending(): boolean {
    return this.dirty;
  }

  /** Whether a save runs now. */
  get saving(): boolean {
    return this.inFlight !== null;
  }

  private flush(): Promise<void> {
    this.clearTimer();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    if (!this.dirty || !this.options.enabled()) return Promise.resolve();
    this.inFlight = this.run().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      if (!this.dirty || !this.options.enabled()) return;
      this.dirty = false;
      try {
        await this.options.save();
      } catch {
        this.dirty = true; // (the save says why; the next trigger tries again)
        return;
      }
    } while (this.again);
  }

  private saveIn(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.clearTimer();
  }
}
