// Serial output arrives one byte per event; the UI gets it in batches: at most one message per
// frame per terminal, or sooner when a batch is large, so megabytes of output never flood it.
// Output after a quiet spell (a keystroke's echo) goes out as soon as the emulator yields,
// instead of waiting out a frame.
export const BATCH_INTERVAL_MS = 16;
export const BATCH_MAX_BYTES = 64 * 1024;

export class OutputBatcher {
  private buffer = new Uint8Array(BATCH_MAX_BYTES);
  private length = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = -Infinity;

  constructor(
    private readonly flushTo: (data: Uint8Array) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(byte: number): void {
    this.buffer[this.length++] = byte;
    if (this.length === BATCH_MAX_BYTES) this.flush();
    else if (!this.timer) {
      const wait = Math.max(0, BATCH_INTERVAL_MS - (this.now() - this.lastFlush));
      this.timer = setTimeout(() => this.flush(), wait);
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.length === 0) return;
    const data = this.buffer.slice(0, this.length);
    this.length = 0;
    this.lastFlush = this.now();
    this.flushTo(data);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.length = 0;
  }
}
