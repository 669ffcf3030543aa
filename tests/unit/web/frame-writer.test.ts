import { describe, expect, it } from "vitest";
import { BUDGET_MS, FEED_INTERVAL_MS, FrameWriter } from "../../../web/terminal/frame-writer";

/** A frame at 60 Hz. */
const FRAME_MS = 1000 / 60;

/** A terminal that parses when told to, a fake clock, and frames run by hand. */
function setup(msPerKiB: number) {
  let clock = 0;
  const frames: Array<() => void> = [];
  const written: Uint8Array[] = [];
  const parse: Array<() => void> = [];
  const calls: Array<Uint8Array | string> = [];
  const term = {
    write(data: Uint8Array | string, callback?: () => void) {
      calls.push(data);
      if (data.length > 0) written.push(data as Uint8Array); // (not the writer's empty marks)
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
  return { writer, frames, written, calls, parseAll, runFrame, bytes: () => written.reduce((n, d) => n + d.length, 0) };
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

  it("feeds a flood at most once per feed interval, so the terminal redraws every other frame", () => {
    const t = setup(0.01);
    for (let i = 0; i < 64; i++) t.writer.write(new Uint8Array(64 * 1024));
    const fed: number[] = [];
    for (let i = 0; i < 12; i++) {
      const before = t.bytes();
      t.runFrame();
      fed.push(t.bytes() > before ? 1 : 0);
    }
    expect(fed).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(FEED_INTERVAL_MS).toBeGreaterThan(FRAME_MS);
  });

  it("counts only the parse against the budget, not the frame drawn before it", () => {
    const t = setup(0.01);
    for (let i = 0; i < 64; i++) t.writer.write(new Uint8Array(64 * 1024));
    for (let i = 0; i < 10; i++) t.runFrame(2 * BUDGET_MS);
    expect(t.writer.bytesPerFrame).toBeGreaterThan(32 * 1024);
  });
});
