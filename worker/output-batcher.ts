// A terminal's output on its way to the UI: in batches (at most one message per frame, or sooner
// when a batch is large, so megabytes of output never flood the page), and, when the UI says what
// it has drawn (`drawn`), paced as a real tty is: no more than WINDOW_BYTES may be on their way
// undrawn; past that the output is held here, and once HOLD_BYTES are held the batcher asks for
// the machine to be paused (`onBacklog`) until the UI catches up. Nothing is dropped, and what
// Ctrl-C still lets through is at most a window and a hold.
// Output after a quiet spell (a keystroke's echo) goes out as soon as the emulator's turn ends
// (a microtask: what the guest writes in the same turn goes with it), instead of waiting out a
// frame or a timer (a worker's setTimeout(0) came 1-5 ms later, after v86's own yield).
export const BATCH_INTERVAL_MS = 16;
export const BATCH_MAX_BYTES = 64 * 1024;
/** Undrawn bytes allowed on their way to the UI (several batches, so it never waits on a round trip). */
export const WINDOW_BYTES = 256 * 1024;
/** Bytes held back before the machine is paused. */
export const HOLD_BYTES = 128 * 1024;

export class OutputBatcher {
  /** Full batches waiting, oldest first (the first may have been sent in part), then the batch being filled. */
  private chunks: Uint8Array[] = [];
  private tail = new Uint8Array(BATCH_MAX_BYTES);
  private tailLength = 0;
  private length = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** A flush is queued as a microtask (output after a quiet spell). */
  private soon = false;
  private lastFlush = -Infinity;
  /** Sent and not yet drawn; only counted when paced. */
  private undrawn = 0;
  private backlogged = false;

  constructor(
    private readonly flushTo: (data: Uint8Array) => void,
    private readonly now: () => number = () => performance.now(),
    /** Paced: the UI calls drawn(); `onBacklog(true)` when the machine should pause, `(false)` when it may go on. */
    private readonly pacing?: { onBacklog: (backlogged: boolean) => void },
  ) {}

  /** Bytes output by the guest (copied: the caller's buffer may be reused). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    for (let offset = 0; offset < bytes.length;) {
      const n = Math.min(bytes.length - offset, BATCH_MAX_BYTES - this.tailLength);
      this.tail.set(bytes.subarray(offset, offset + n), this.tailLength);
      this.tailLength += n;
      offset += n;
      if (this.tailLength === BATCH_MAX_BYTES) {
        this.chunks.push(this.tail);
        this.tail = new Uint8Array(BATCH_MAX_BYTES);
        this.tailLength = 0;
      }
    }
    this.length += bytes.length;
    if (this.length >= BATCH_MAX_BYTES) this.flush();
    else if (!this.timer && !this.soon) {
      const wait = BATCH_INTERVAL_MS - (this.now() - this.lastFlush);
      if (wait > 0) this.timer = setTimeout(() => this.flush(), wait);
      else {
        this.soon = true;
        queueMicrotask(() => {
          if (!this.soon) return; // flushed meanwhile
          this.soon = false;
          this.flush();
        });
      }
    }
    this.checkBacklog();
  }

  /** The UI has drawn `bytes` more of what was sent. */
  drawn(bytes: number): void {
    this.undrawn = Math.max(0, this.undrawn - bytes);
    // Output the window held back goes now; output with a flush already due (a batch filling
    // up) waits for it: sent at every drawn(), a flood went out in many small batches.
    if (this.length > 0 && !this.timer && !this.soon) this.flush();
    this.checkBacklog();
  }

  /** Sends what is held, as far as the window allows (all of it when not paced). */
  flush(): void {
    this.soon = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.length > 0 && (!this.pacing || this.undrawn < WINDOW_BYTES)) {
      const data = this.take(BATCH_MAX_BYTES);
      if (this.pacing) this.undrawn += data.length;
      this.lastFlush = this.now();
      this.flushTo(data);
    }
  }

  /** Bytes held here, not yet sent. */
  get held(): number {
    return this.length;
  }

  /** Forgets what is held and undrawn (the machine under it was replaced). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.soon = false;
    this.chunks = [];
    this.tailLength = 0;
    this.length = 0;
    this.undrawn = 0;
    this.checkBacklog();
  }

  /** Up to `max` bytes from the front of what is held, as one array. */
  private take(max: number): Uint8Array {
    const head = this.chunks[0];
    if (head && head.length <= max) {
      // a whole batch (or what is left of one): no copy
      this.chunks.shift();
      this.length -= head.length;
      return head;
    }
    if (head) {
      this.chunks[0] = head.subarray(max);
      this.length -= max;
      return head.slice(0, max);
    }
    const out = this.tail.slice(0, Math.min(max, this.tailLength));
    this.tail.copyWithin(0, out.length, this.tailLength);
    this.tailLength -= out.length;
    this.length -= out.length;
    return out;
  }

  private checkBacklog(): void {
    if (!this.pacing) return;
    const backlogged = this.length >= HOLD_BYTES;
    if (backlogged === this.backlogged) return;
    this.backlogged = backlogged;
    this.pacing.onBacklog(backlogged);
  }
}

/** After a keystroke the machine runs this long even with output backlogged, so Ctrl-C acts at once. */
export const INPUT_GRACE_MS = 50;

/**
 * Pauses the machine while any terminal's output is backlogged (see OutputBatcher), except for a
 * moment after input: the guest must see a Ctrl-C to stop what floods the screen.
 */
export class MachinePacer {
  private readonly backlogged = new Set<string>();
  private paused = false;
  private graceUntil = -Infinity;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  backlog(terminal: string, backlogged: boolean): void {
    if (backlogged) this.backlogged.add(terminal);
    else this.backlogged.delete(terminal);
    this.update();
  }

  inputTyped(): void {
    this.graceUntil = this.now() + INPUT_GRACE_MS;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      this.update();
    }, INPUT_GRACE_MS);
    this.update();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  dispose(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.backlogged.clear();
    this.update();
  }

  private update(): void {
    const pause = this.backlogged.size > 0 && this.now() >= this.graceUntil;
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.pause();
    else this.resume();
  }
}
