import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BATCH_INTERVAL_MS, BATCH_MAX_BYTES, HOLD_BYTES, INPUT_GRACE_MS, MachinePacer, OutputBatcher, WINDOW_BYTES } from "../../worker/output-batcher";

describe("the output batcher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const batcher = (paced = false) => {
    const sent: Uint8Array[] = [];
    const backlog: boolean[] = [];
    const b = new OutputBatcher(
      (data) => sent.push(data),
      () => Date.now(),
      paced ? { onBacklog: (on) => backlog.push(on) } : undefined,
    );
    return { b, sent, backlog, total: () => sent.reduce((n, d) => n + d.length, 0) };
  };
  const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

  it("sends output after a quiet spell at once (as soon as the emulator's turn ends, with no timer)", async () => {
    const { b, sent } = batcher();
    b.push(Uint8Array.of(97));
    b.push(Uint8Array.of(98));
    expect(sent).toEqual([]); // not inside the emulator's own turn
    await Promise.resolve();
    expect(sent.map((d) => [...d])).toEqual([[97, 98]]);
    expect(vi.getTimerCount()).toBe(0);
    // more within the interval waits for it
    b.push(Uint8Array.of(99));
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(BATCH_INTERVAL_MS);
    expect(sent.map((d) => [...d])).toEqual([[97, 98], [99]]);
  });

  it("under a stream of output, sends at most one batch per interval", async () => {
    const { b, sent } = batcher();
    for (let ms = 0; ms < 100; ms++) {
      b.push(Uint8Array.of(ms & 255));
      await vi.advanceTimersByTimeAsync(1); // (microtasks run between the emulator's turns)
    }
    await vi.advanceTimersByTimeAsync(BATCH_INTERVAL_MS);
    expect(sent.flatMap((d) => [...d])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(100 / BATCH_INTERVAL_MS));
    expect(sent.length).toBeGreaterThan(2);
  });

  it("sends a full batch without waiting, byte by byte or in chunks", () => {
    const { b, sent } = batcher();
    for (let i = 0; i < BATCH_MAX_BYTES; i++) b.push(Uint8Array.of(i & 255));
    expect(sent).toHaveLength(1);
    expect(Buffer.from(sent[0]).equals(Buffer.from(bytes(BATCH_MAX_BYTES)))).toBe(true);
    b.push(bytes(3 * BATCH_MAX_BYTES + 10));
    expect(sent.slice(1).map((d) => d.length)).toEqual([BATCH_MAX_BYTES, BATCH_MAX_BYTES, BATCH_MAX_BYTES, 10]);
  });

  it("without pacing, never holds anything back", () => {
    const { b, total } = batcher();
    b.push(bytes(10 * WINDOW_BYTES));
    vi.advanceTimersByTime(BATCH_INTERVAL_MS);
    expect(total()).toBe(10 * WINDOW_BYTES);
  });

  it("paced, a drawn() does not send a batch still filling up (a flood would go out in small pieces)", () => {
    const { b, sent } = batcher(true);
    b.push(bytes(BATCH_MAX_BYTES)); // sent at once: a full batch
    expect(sent).toHaveLength(1);
    b.push(bytes(100));
    b.drawn(BATCH_MAX_BYTES);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(BATCH_INTERVAL_MS);
    expect(sent.map((d) => d.length)).toEqual([BATCH_MAX_BYTES, 100]);
  });

  it("paced, sends no more than a window undrawn, holds the rest in order, and drops nothing", () => {
    const { b, sent, total } = batcher(true);
    const all = bytes(WINDOW_BYTES + HOLD_BYTES / 2);
    b.push(all);
    vi.advanceTimersByTime(BATCH_INTERVAL_MS);
    expect(total()).toBe(WINDOW_BYTES);
    expect(b.held).toBe(HOLD_BYTES / 2);
    b.drawn(BATCH_MAX_BYTES);
    expect(total()).toBe(WINDOW_BYTES + BATCH_MAX_BYTES);
    b.drawn(WINDOW_BYTES);
    expect(total()).toBe(all.length);
    const joined = new Uint8Array(total());
    let at = 0;
    for (const d of sent) joined.set(d, (at += d.length) - d.length);
    expect(Buffer.from(joined).equals(Buffer.from(all))).toBe(true);
  });

  it("paced, asks for the machine to pause once a hold's worth is waiting, and to go on once it is sent", () => {
    const { b, backlog } = batcher(true);
    b.push(bytes(WINDOW_BYTES));
    expect(backlog).toEqual([]);
    b.push(bytes(HOLD_BYTES));
    expect(backlog).toEqual([true]);
    b.drawn(WINDOW_BYTES);
    expect(backlog).toEqual([true, false]);
  });
});

describe("the machine pacer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const pacer = () => {
    const calls: string[] = [];
    const p = new MachinePacer(
      () => calls.push("pause"),
      () => calls.push("resume"),
      () => Date.now(),
    );
    return { p, calls };
  };

  it("pauses while any terminal is backlogged", () => {
    const { p, calls } = pacer();
    p.backlog("main", true);
    p.backlog("second", true);
    p.backlog("main", false);
    expect(calls).toEqual(["pause"]);
    p.backlog("second", false);
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("runs the machine for a moment after a keystroke, so Ctrl-C reaches the guest, then pauses again", () => {
    const { p, calls } = pacer();
    p.backlog("main", true);
    p.inputTyped();
    expect(calls).toEqual(["pause", "resume"]);
    vi.advanceTimersByTime(INPUT_GRACE_MS);
    expect(calls).toEqual(["pause", "resume", "pause"]);
    p.dispose();
    expect(calls).toEqual(["pause", "resume", "pause", "resume"]);
  });
});
