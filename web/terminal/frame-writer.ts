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
// A flood is also drawn less often than it is fed: the writer wraps it in synchronized output
// (DEC mode 2026, `ESC [ ? 2026 h` ... `l`, which xterm.js keeps: no row is redrawn until the
// `l`), lets go every REDRAW_INTERVAL_MS, and feeds xterm every frame while it holds, all but
// the frame after a letting go (it redraws). Its two sequences go only where the stream is between
// two whole sequences of its own (`StreamTail`), and not at all while the guest's program uses the
// mode itself.
import type { Terminal } from "@xterm/xterm";
import { StreamTail } from "./stream-tail";

/** Parsing time aimed at per feed: it fills the frame that draws nothing (the next one redraws). */
export const BUDGET_MS = 12;
/** Least time between two feeds of a flood (a frame at 60 Hz is 16.7 ms: this skips one). */
export const FEED_INTERVAL_MS = 25;
/** How often a flood's screen is redrawn (synchronized output let go). */
export const REDRAW_INTERVAL_MS = 100;
const MIN_BYTES = 4 * 1024;
const MAX_BYTES = 1024 * 1024;
/** xterm parses a chunk it has begun whole: pieces this big keep its turns short. */
const PIECE = 4 * 1024;
const EMPTY = new Uint8Array(0);
const SYNC_BEGIN = new TextEncoder().encode("\x1b[?2026h");
const SYNC_END = new TextEncoder().encode("\x1b[?2026l");

/** What the writer needs of xterm. */
export type WriterTerminal = Pick<Terminal, "write"> & { readonly modes?: { readonly synchronizedOutputMode: boolean } };

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
  /** When xterm was last fed without the screen held back (the next frame redraws). */
  private lastRedraw = -Infinity;
  /** The screen was let go: the next frame redraws, and is not fed. */
  private redrawing = false;
  /** The writer's own synchronized output is on (since `heldSince`). */
  private holding = false;
  private heldSince = 0;
  private readonly tail = new StreamTail();

  constructor(
    private readonly term: WriterTerminal,
    private readonly nextFrame: (run: () => void) => void = defaultNextFrame,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues `data`; `parsed` hears when xterm has taken all of it in. */
  write(data: Uint8Array, parsed?: () => void): void {
    if (this.disposed) return;
    this.queue.push({ data, parsed });
    if (!this.parsing && !this.frameAsked && !this.holding && this.queue.length === 1 && data.length <= PIECE) this.writeSmall();
    else this.ask();
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
  }

  /** The terminal was reset (its modes and its parser with it). */
  reset(): void {
    this.holding = false;
    this.tail.reset();
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
      // (while it holds, no feed redraws: the next one may come at once, except in the frame that redraws)
      if (this.redrawing || this.now() - this.lastRedraw < FEED_INTERVAL_MS) {
        this.redrawing = false;
        this.ask();
      } else this.feed();
    });
  }

  /** The one small write queued, to an idle terminal: straight to xterm (nothing to time: it adapts nothing). */
  private writeSmall(): void {
    const { data, parsed } = this.queue.shift()!;
    this.lastRedraw = this.now();
    this.tail.push(data);
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
    if (!this.holding) this.hold(start);
    if (!this.holding) this.lastRedraw = start;
    // (an empty write first: its callback runs as xterm begins to parse, which is where the clock starts)
    this.term.write(EMPTY, () => (start = this.now()));
    let budget = this.perFrame;
    let handed = 0;
    const callbacks: Array<() => void> = [];
    while (this.queue.length > 0 && budget > 0) {
      const head = this.queue[0];
      let size = Math.min(budget, PIECE);
      this.tail.push(head.data.subarray(0, size));
      if (size === budget && size < head.data.length) {
        // (a feed ends where the stream is between two sequences, if that comes soon: the writer's own go there)
        const more = this.tail.bytesToBoundary(head.data.subarray(size));
        if (more > 0) this.tail.push(head.data.subarray(size, (size += more)));
      }
      const part = head.data.subarray(0, size);
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
          if (this.holding && (this.queue.length === 0 || this.now() - this.heldSince >= REDRAW_INTERVAL_MS)) this.letGo();
          this.ask();
        });
      } else this.term.write(part, done);
    }
  }

  /** Holds the screen back while xterm is fed, if the stream allows a sequence of the writer's here. */
  private hold(now: number): void {
    if (this.queue.length === 0 || !this.tail.atBoundary || this.term.modes?.synchronizedOutputMode) return;
    this.term.write(SYNC_BEGIN);
    this.holding = true;
    this.heldSince = now;
  }

  /** Lets xterm draw what it has taken in (the next frame redraws); if the stream is inside a sequence, at a later feed's end. */
  private letGo(): void {
    if (!this.tail.atBoundary) return; // (xterm draws anyway a second after the hold began)
    this.term.write(SYNC_END);
    this.holding = false;
    this.redrawing = true;
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
