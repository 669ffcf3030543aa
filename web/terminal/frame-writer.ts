// Feeds xterm.js output a frame's worth at a time. Left to itself, xterm parses what it is
// given in turns of 12 ms, back to back: during a flood the page's thread did nothing else, and
// frames took hundreds of ms (the compositor and the emulator's worker wanted the same cores).
// Here a feed hands xterm as many bytes as it parsed in about BUDGET_MS last time,
// so the page draws and answers clicks between. A small write to an idle terminal (an echo)
// goes in at once, alone: xterm parses the first write after a keystroke at once, in the same
// task (its own setTimeout otherwise), and a timing write before it (as a feed has) took that
// turn and left the echo to a timer.
// The parse is timed from when xterm begins it, not from the frame that handed it over: xterm
// parses in a task of its own, after the frame has been drawn, and counting that frame's style,
// layout and paint (5-11 ms with the DOM renderer in a flood) shrank every frame's share toward
// the 4 KiB floor (11 KB a frame in a traced flood): many more redraws per MB than needed.
// While output keeps coming (a flood), xterm is fed at most every FEED_INTERVAL_MS, every other
// frame at 60 Hz: each feed makes the renderer redraw every row that scrolled, and with the DOM
// renderer that redraw (rows rebuilt, style, layout, paint, raster) cost the page about twice
// the CPU the emulator spent making the output, on the same cores. Half the redraws, twice the
// bytes each; the frames between are idle. Traced 5 MB floods (scripts/trace-flood.ts), before
// these two changes and after: 600-680 frames and 900-1030 ms of the page's main-thread CPU per
// MB, then 230-280 frames and 400-470 ms per MB.
import type { Terminal } from "@xterm/xterm";

/** Parsing time aimed at per feed: it fills the frame that draws nothing (the next one redraws). */
export const BUDGET_MS = 12;
/** Least time between two feeds of a flood (a frame at 60 Hz is 16.7 ms: this skips one). */
export const FEED_INTERVAL_MS = 25;
const MIN_BYTES = 4 * 1024;
const MAX_BYTES = 1024 * 1024;
/** xterm parses a chunk it has begun whole: pieces this big keep its turns short. */
const PIECE = 4 * 1024;
const EMPTY = new Uint8Array(0);

interface Pending {
  data: Uint8Array;
  parsed?: () => void;
}

export class FrameWriter {
  private readonly queue: Pending[] = [];
  private perFrame = 32 * 1024;
  private frameAsked = false;
  private parsing = false;
  private disposed = false;
  private lastFeed = -Infinity;

  constructor(
    private readonly term: Pick<Terminal, "write">,
    private readonly nextFrame: (run: () => void) => void = defaultNextFrame,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues `data`; `parsed` hears when xterm has taken all of it in. */
  write(data: Uint8Array, parsed?: () => void): void {
    if (this.disposed) return;
    this.queue.push({ data, parsed });
    if (!this.parsing && !this.frameAsked && this.queue.length === 1 && data.length <= PIECE) this.writeSmall();
    else this.ask();
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
  }

  /** Bytes handed to xterm per frame, as last adapted. */
  get bytesPerFrame(): number {
    return this.perFrame;
  }

  private ask(): void {
    if (this.frameAsked || this.parsing || this.queue.length === 0 || this.disposed) return;
    this.frameAsked = true;
    this.nextFrame(() => {
      this.frameAsked = false;
      if (this.now() - this.lastFeed < FEED_INTERVAL_MS) this.ask();
      else this.feed();
    });
  }

  /** The one small write queued, to an idle terminal: straight to xterm (nothing to time: it adapts nothing). */
  private writeSmall(): void {
    const { data, parsed } = this.queue.shift()!;
    this.lastFeed = this.now();
    this.parsing = true;
    this.term.write(data, () => {
      parsed?.();
      this.parsing = false;
      this.ask();
    });
  }

  /** Hands xterm up to a frame's worth, in pieces; once it has parsed them, adapts and asks for the next frame. */
  private feed(): void {
    if (this.disposed || this.queue.length === 0) return;
    let start = this.now();
    this.lastFeed = start;
    // (an empty write first: its callback runs as xterm begins to parse, which is where the clock starts)
    this.term.write(EMPTY, () => (start = this.now()));
    let budget = this.perFrame;
    let handed = 0;
    const callbacks: Array<() => void> = [];
    while (this.queue.length > 0 && budget > 0) {
      const head = this.queue[0];
      const part = head.data.subarray(0, Math.min(budget, PIECE));
      this.queue[0] = { data: head.data.subarray(part.length), parsed: head.parsed };
      const whole = this.queue[0].data.length === 0;
      if (whole) this.queue.shift();
      const done = whole ? head.parsed : undefined;
      handed += part.length;
      budget -= part.length;
      if (budget <= 0 || this.queue.length === 0) {
        if (done) callbacks.push(done);
        this.parsing = true;
        this.term.write(part, () => {
          for (const callback of callbacks) callback();
          this.parsing = false;
          this.adapt(this.now() - start, handed);
          this.ask();
        });
      } else this.term.write(part, done);
    }
  }

  private adapt(tookMs: number, handed: number): void {
    if (handed < this.perFrame) return; // it was not a full frame's worth: nothing learnt
    const next = tookMs > BUDGET_MS ? this.perFrame * 0.7 : this.perFrame * 1.25;
    this.perFrame = Math.round(Math.min(MAX_BYTES, Math.max(MIN_BYTES, next)));
  }
}

/** The next animation frame; a hidden page gets none, so there a timer stands in (output must not stall). */
function defaultNextFrame(run: () => void): void {
  if (typeof document !== "undefined" && document.hidden) setTimeout(run, 0);
  else requestAnimationFrame(() => run());
}
