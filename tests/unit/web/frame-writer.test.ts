import { describe, expect, it } from "vitest";
import { BUDGET_MS, FEED_INTERVAL_MS, FrameWriter, REDRAW_INTERVAL_MS } from "../../../web/terminal/frame-writer";

/** A frame at 60 Hz. */
const FRAME_MS = 1000 / 60;

/** A terminal that parses when told to, a fake clock, and frames run by hand. */
const SYNC_BEGIN = "\x1b[?2026h";
const SYNC_END = "\x1b[?2026l";
const text = (data: Uint8Array | string) => (typeof data === "string" ? data : new TextDecoder().decode(data));

function setup(msPerKiB: number, appSync = false) {
  let clock = 0;
  const frames: Array<() => void> = [];
  const written: Uint8Array[] = [];
  const parse: Array<() => void> = [];
  const calls: Array<Uint8Array | string> = [];
  /** What the screen shows: redrawn at a frame whenever the writer does not hold it back. */
  let held = false;
  const term = {
    modes: { synchronizedOutputMode: appSync },
    write(data: Uint8Array | string, callback?: () => void) {
      calls.push(data);
      const t = text(data);
      if (t === SYNC_BEGIN || t === SYNC_END) held = t === SYNC_BEGIN;
      else if (data.length > 0) written.push(data as Uint8Array); // (not the writer's empty marks, nor its sequences)
      parse.push(() => {
        clock += (data.length / 1024) * msPerKiB;
        callback?.();
      });
    },
  };
  const writer = new FrameWriter(
    term,
    (run) => frames.push(run),
    () => clock,
  );
  const parseAll = () => {
    while (parse.length) parse.shift()!();
  };
  /** The next frame, a frame's time after the last: its callbacks, then (as in a browser) its drawing, `drawMs` long, then xterm's parse. */
  let frameAt = 0;
  const runFrame = (drawMs = 0) => {
    frameAt = Math.max(clock, frameAt + FRAME_MS);
    clock = frameAt;
    frames.shift()?.();
    clock += drawMs;
    parseAll();
  };
  return {
    writer,
    frames,
    written,
    calls,
    parseAll,
    runFrame,
    held: () => held,
    bytes: () => written.reduce((n, d) => n + d.length, 0),
    sequences: () => calls.map(text).filter((t) => t === SYNC_BEGIN || t === SYNC_END),
  };
}

describe("the frame writer", () => {
  it("writes a small output to an idle terminal at once (an echo does not wait for a frame)", () => {
    const t = setup(0.1);
    let parsed = false;
    t.writer.write(new Uint8Array(10), () => (parsed = true));
    expect(t.written).toHaveLength(1);
    // alone: xterm parses the first write after a keystroke in the same task, and only that one
    expect(t.calls).toHaveLength(1);
    t.parseAll();
    expect(parsed).toBe(true);
    expect(t.frames).toHaveLength(0);
  });

  it("hands a flood over a frame's worth at a time, in order, and says when each write was taken in", () => {
    const t = setup(0.1);
    const done: number[] = [];
    for (let i = 0; i < 8; i++) t.writer.write(new Uint8Array(64 * 1024).fill(i), () => done.push(i));
    expect(t.bytes()).toBe(0);
    t.runFrame();
    const first = t.bytes();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(8 * 64 * 1024);
    while (t.frames.length) t.runFrame();
    expect(t.bytes()).toBe(8 * 64 * 1024);
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const joined = t.written.flatMap((d) => [d[0], d[d.length - 1]]);
    expect(joined).toEqual([...joined].sort((a, b) => a - b));
  });

  it("gives a slow terminal less per frame, and a fast one more, aiming at the budget", () => {
    const slow = setup(BUDGET_MS); // 1 KiB takes a whole budget
    const fast = setup(0.01);
    for (const t of [slow, fast]) {
      for (let i = 0; i < 64; i++) t.writer.write(new Uint8Array(64 * 1024));
      for (let i = 0; i < 10; i++) t.runFrame();
    }
    expect(slow.writer.bytesPerFrame).toBeLessThan(32 * 1024);
    expect(fast.writer.bytesPerFrame).toBeGreaterThan(32 * 1024);
  });

  it("holds a flood's screen back while it feeds it every frame, and lets it redraw every redraw interval, skipping a feed then", () => {
    const t = setup(0.05);
    for (let i = 0; i < 256; i++) t.writer.write(new Uint8Array(64 * 1024));
    const fed: number[] = [];
    /** The frames at whose end the writer let the screen go (the next frame redraws). */
    const redraws: number[] = [];
    for (let i = 0; i < 40; i++) {
      const before = t.bytes();
      const wasHeld = t.held();
      t.runFrame();
      fed.push(t.bytes() > before ? 1 : 0);
      if (wasHeld && !t.held()) redraws.push(i);
    }
    expect(t.writer.bytesPerFrame).toBeLessThan(1024 * 1024); // (still a flood at the end: the queue never ran dry)
    // fed every frame but the one after each letting go
    const skipped = fed.flatMap((f, i) => (f ? [] : [i]));
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped).toEqual(redraws.map((i) => i + 1).filter((i) => i < 40));
    // let go about every REDRAW_INTERVAL_MS: fewer redraws than every other frame
    const gaps = redraws.slice(1).map((r, i) => (r - redraws[i]) * FRAME_MS);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(REDRAW_INTERVAL_MS);
    for (const gap of gaps) expect(gap).toBeLessThan(REDRAW_INTERVAL_MS + 3 * FRAME_MS);
    expect(FEED_INTERVAL_MS).toBeGreaterThan(FRAME_MS);
  });

  it("lets the screen go once the flood is all taken in", () => {
    const t = setup(0.01);
    for (let i = 0; i < 4; i++) t.writer.write(new Uint8Array(64 * 1024));
    while (t.frames.length) t.runFrame();
    expect(t.bytes()).toBe(4 * 64 * 1024);
    expect(t.held()).toBe(false);
    expect(t.sequences().at(-1)).toBe(SYNC_END);
  });

  it("never puts its sequences inside one of the stream's, and lets go where the stream is between two", () => {
    const t = setup(0.5);
    // colored text, a sequence every 12 bytes: most cuts fall inside one
    const colored = new TextEncoder().encode("\x1b[38;5;196mX".repeat(64 * 1024));
    for (let at = 0; at < colored.length; at += 50_000) t.writer.write(colored.subarray(at, at + 50_000));
    while (t.frames.length) t.runFrame();
    expect(t.bytes()).toBe(colored.length);
    expect(t.sequences().length).toBeGreaterThan(8);
    // each of the writer's sequences comes right after a whole one of the stream's and its X
    const stream = t.calls.map(text).join("");
    const at = [...stream.matchAll(/\x1b\[\?2026[hl]/g)].map((m, n) => m.index - n * SYNC_BEGIN.length); // (where in the guest's stream)
    const guest = new TextDecoder().decode(colored);
    for (const i of at) expect(guest.slice(0, i)).toMatch(/(^|196m|X)$/);
    expect(stream.replaceAll(SYNC_BEGIN, "").replaceAll(SYNC_END, "")).toBe(t.written.map(text).join(""));
    expect(t.held()).toBe(false);
  });

  it("leaves synchronized output alone while the guest's program uses it, and redraws every other frame as before", () => {
    const t = setup(0.01, true);
    for (let i = 0; i < 64; i++) t.writer.write(new Uint8Array(64 * 1024));
    const fed: number[] = [];
    for (let i = 0; i < 12; i++) {
      const before = t.bytes();
      t.runFrame();
      fed.push(t.bytes() > before ? 1 : 0);
    }
    expect(t.sequences()).toEqual([]);
    expect(fed).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it("counts only the parse against the budget, not the frame drawn before it", () => {
    const t = setup(0.01);
    for (let i = 0; i < 64; i++) t.writer.write(new Uint8Array(64 * 1024));
    for (let i = 0; i < 10; i++) t.runFrame(2 * BUDGET_MS);
    expect(t.writer.bytesPerFrame).toBeGreaterThan(32 * 1024);
  });
});
