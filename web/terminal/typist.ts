// Types lesson commands into the learner's shells as a person would: a line at a time, each once
// its shell is back at its prompt, so the screen reads like a session rather than a pile of
// type-ahead. A line that leaves its shell running a program (`tail -f`, a server) lets the next
// line go to the other shell once it has had a moment to start; a line for a shell that never
// comes back to its prompt is not typed: the rest is dropped with a message instead of waiting
// forever (unless the guest is still busy computing). Used by the page (Run, Show me) and by the solution test, so both type alike.
import type { TerminalId } from "../../worker/api";
import type { TypedLine } from "../lessons/solution";

export interface TypistOptions {
  type(terminal: TerminalId, text: string): void;
  /** Told when lines were dropped because a shell did not come back to its prompt. */
  stuck(message: string): void;
  /** How long a shell may take to show its prompt again before the rest is dropped. */
  promptTimeoutMs?: number;
  /**
   * Whether the guest is busy computing: a shell that has not shown its prompt yet while the
   * guest works (a `tar -xf` of a root filesystem) gets more time; one that waits idle (a
   * `tail -f`) does not.
   */
  guestBusy?: () => boolean;
  /** How long a line that is still running gets before a line goes to the other shell. */
  settleMs?: number;
  now?: () => number;
}

export const PROMPT_TIMEOUT_MS = 15_000;
export const SETTLE_MS = 1500;
/** While the guest is busy, a waiting line is looked at again this often. */
const BUSY_GRACE_MS = 2000;

interface Typed {
  text: string;
  at: number;
}

export class Typist {
  private queue: TypedLine[] = [];
  /** Per shell, the line typed last while its prompt has not come back yet. */
  private running = new Map<TerminalId, Typed>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly promptTimeoutMs: number;
  private readonly settleMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TypistOptions) {
    this.promptTimeoutMs = options.promptTimeoutMs ?? PROMPT_TIMEOUT_MS;
    this.settleMs = options.settleMs ?? SETTLE_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether lines are still waiting to be typed. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  enqueue(lines: TypedLine[]): void {
    this.queue.push(...lines);
    this.pump();
  }

  /** The shell shows its prompt: whatever it ran has finished. */
  promptShown(terminal: TerminalId): void {
    if (!this.running.delete(terminal)) return;
    this.pump();
  }

  /** Drops what is not typed yet and forgets what runs (the machine was replaced). */
  cancel(): void {
    this.queue = [];
    this.running.clear();
    this.clearTimer();
    this.settle();
  }

  /** Resolves once every line has been typed (or dropped). */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    this.clearTimer();
    while (this.queue.length > 0) {
      const next = this.queue[0];
      const now = this.now();
      const own = this.running.get(next.terminal);
      if (own) {
        const left = own.at + this.promptTimeoutMs - now;
        if (left > 0) return this.wake(left);
        if (this.options.guestBusy?.()) {
          own.at = now - this.promptTimeoutMs + BUSY_GRACE_MS;
          return this.wake(BUSY_GRACE_MS);
        }
        const dropped = this.queue.length;
        this.queue = [];
        this.running.delete(next.terminal);
        this.options.stuck(
          `The shell is still running \`${own.text.trim()}\`, so ${dropped === 1 ? "the next line was" : `the next ${dropped} lines were`} not typed. ` +
            "Finish it (Ctrl-C stops most programs), then run the rest.",
        );
        break;
      }
      const other = [...this.running.entries()].find(([terminal]) => terminal !== next.terminal)?.[1];
      if (other && other.at + this.settleMs > now) return this.wake(other.at + this.settleMs - now);
      // A slow command (the guest still busy with it) is waited for, up to the prompt timeout.
      if (other && other.at + this.promptTimeoutMs > now && this.options.guestBusy?.())
        return this.wake(Math.min(BUSY_GRACE_MS, other.at + this.promptTimeoutMs - now));
      this.queue.shift();
      this.running.set(next.terminal, { text: next.text, at: now });
      this.options.type(next.terminal, next.text + "\r");
    }
    this.settle();
  }

  private wake(ms: number): void {
    this.timer = setTimeout(() => this.pump(), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private settle(): void {
    if (this.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
