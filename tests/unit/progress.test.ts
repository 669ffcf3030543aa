import { describe, expect, it } from "vitest";
import { throttled } from "../../worker/progress";

describe("download progress", () => {
  it("is reported at most every interval, but always at the start and the end", () => {
    let now = 0;
    const seen: number[] = [];
    const report = throttled(
      (loaded) => seen.push(loaded),
      100,
      () => now,
    );
    for (let loaded = 0; loaded <= 1000; loaded += 50) {
      report(loaded, 1000);
      now += 30; // a chunk every 30 ms
    }
    // the start, then one every >= 100 ms (every 4th chunk), and the end
    expect(seen).toEqual([0, 200, 400, 600, 800, 1000]);
  });
});
