import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BATCH_INTERVAL_MS, BATCH_MAX_BYTES, OutputBatcher } from "../../worker/output-batcher";

describe("the output batcher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const batcher = () => {
    const sent: number[][] = [];
    const b = new OutputBatcher(
      (data) => sent.push([...data]),
      () => Date.now(),
    );
    return { b, sent };
  };

  it("sends output after a quiet spell at once (as soon as the emulator yields)", () => {
    const { b, sent } = batcher();
    b.push(97);
    b.push(98);
    expect(sent).toEqual([]); // not inside the emulator's own turn
    vi.advanceTimersByTime(0);
    expect(sent).toEqual([[97, 98]]);
  });

  it("under a stream of output, sends at most one batch per interval", () => {
    const { b, sent } = batcher();
    for (let ms = 0; ms < 100; ms++) {
      b.push(ms & 255);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(BATCH_INTERVAL_MS);
    expect(sent.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(100 / BATCH_INTERVAL_MS));
    expect(sent.length).toBeGreaterThan(2);
  });

  it("sends a full batch without waiting", () => {
    const { b, sent } = batcher();
    for (let i = 0; i < BATCH_MAX_BYTES; i++) b.push(i & 255);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(BATCH_MAX_BYTES);
  });
});
