// The first flood a page draws is cold: V8 has run none of xterm's parser and buffer code hot,
// and tiers it up (Sparkplug, Maglev, TurboFan) in the middle of that flood, on the page's thread,
// while the emulator's new code is compiled on the other core. Measured in the bench: frames of
// 50-280 ms in a cold 20 MB flood's first 400 ms, before any of it was drawn, and none after a
// small drawn output had gone before it. So once the page is idle, the output path runs once on
// made-up output (lines, colours, a multi-byte character, synchronized output) into a terminal of
// its own that is never shown, in small slices between the page's other work, and is thrown away.
import type { WriterTerminal } from "./frame-writer";
import { FrameWriter } from "./frame-writer";

/** What the warm-up writes: about this many bytes. */
export const WARM_UP_BYTES = 256 * 1024;
/** Bytes handed over per idle slice (a slice of a cold parse stays a few ms). */
const SLICE = 8 * 1024;

/** A terminal the warm-up may write into and must dispose of. */
export type WarmUpTerminal = WriterTerminal & { dispose(): void };

/** Lines like a command's output: plain ones, coloured ones, one with a multi-byte character. */
export function warmUpOutput(bytes: number = WARM_UP_BYTES): Uint8Array {
  const encoder = new TextEncoder();
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line =
      i % 8 === 3
        ? `\x1b[1;32m${i}\x1b[0m \x1b[34m0123456789abcdef\x1b[0m €\r\n`
        : i % 8 === 7
          ? `${i}\t0123456789abcdef\x1b[K\r\n`
          : `${i} 0123456789abcdef\r\n`;
    lines.push(line);
    size += encoder.encode(line).length;
  }
  return encoder.encode(lines.join(""));
}

/** A way to run a function when the page is idle (requestIdleCallback; a timer where there is none). */
export type WhenIdle = (run: () => void) => void;

const defaultWhenIdle: WhenIdle = (run) => {
  if (typeof requestIdleCallback === "function") requestIdleCallback(() => run(), { timeout: 2000 });
  else setTimeout(run, 50);
};

/**
 * Writes the warm-up's output into `make()`'s terminal through a FrameWriter (the page's own
 * path), a slice per idle turn, and disposes of the terminal. `done` resolves once it has;
 * `cancel` stops it where it is (the terminal disposed of at once).
 */
export function warmUpOutputPath(make: () => WarmUpTerminal, whenIdle: WhenIdle = defaultWhenIdle): { done: Promise<void>; cancel(): void } {
  let ended = false;
  let term: WarmUpTerminal | null = null;
  let writer: FrameWriter | null = null;
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const end = () => {
    if (ended) return;
    ended = true;
    writer?.dispose();
    term?.dispose();
    term = writer = null;
    finish();
  };
  const data = warmUpOutput();
  let at = 0;
  const slice = () => {
    if (ended) return;
    term ??= make();
    writer ??= new FrameWriter(term, whenIdle);
    const piece = data.subarray(at, Math.min(data.length, at + SLICE));
    at += piece.length;
    writer.write(piece, () => whenIdle(at < data.length ? slice : end)); // (disposed of outside its own callback)
  };
  whenIdle(slice);
  return {
    done,
    cancel: end,
  };
}
