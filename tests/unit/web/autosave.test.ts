import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AutosaveScheduler } from "../../../web/snapshots/autosave";

/** A scheduler whose saves are counted, and can be held open to see what overlaps them. */
function scheduler({ enabled = (): boolean => true } = {}) {
  let saves = 0;
  let running = 0;
  let mostAtOnce = 0;
  let release: (() => void) | null = null;
  let hold = false;
  let fail = false;
  const autosave = new AutosaveScheduler({
    debounceMs: 5000,
    enabled,
    save: async () => {
      saves++;
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      running--;
      if (fail) throw new Error("quota");
    },
  });
  return {
    autosave,
    saves: () => saves,
    mostAtOnce: () => mostAtOnce,
    hold: (on: boolean) => (hold = on),
    failing: (on: boolean) => (fail = on),
    release: () => release?.(),
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("AutosaveScheduler", () => {
  it("saves once, 5 s after the last of several commands ended", async () => {
    const s = scheduler();
    s.autosave.commandEntered();
    s.autosave.commandEnded();
    await vi.advanceTimersByTimeAsync(3000);
    s.autosave.commandEntered();
    s.autosave.commandEnded();
    await vi.advanceTimersByTimeAsync(4900);
    expect(s.saves()).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.saves()).toBe(1);
  });

  it("does not save a command in its middle: 5 s after it ended, or once it has run for 30 s", async () => {
    const s = scheduler();
    s.autosave.commandEntered(); // an unpack
    await vi.advanceTimersByTimeAsync(12_000);
    expect(s.saves()).toBe(0);
    s.autosave.commandEnded();
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.saves()).toBe(1);
    s.autosave.commandEntered(); // a command that does not end
    await vi.advanceTimersByTimeAsync(29_900);
    expect(s.saves()).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.saves()).toBe(2);
    s.autosave.commandEnded(); // (nothing new ran since)
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.saves()).toBe(2);
  });

  it("does not save when nothing ran since the last save", async () => {
    const s = scheduler();
    await s.autosave.leaving();
    expect(s.saves()).toBe(0);
    s.autosave.commandEntered();
    await s.autosave.leaving();
    await s.autosave.leaving();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.saves()).toBe(1);
  });

  it("runs one save at a time, and once more after it when something ran meanwhile", async () => {
    const s = scheduler();
    s.hold(true);
    const first = s.autosave.changedNow();
    s.autosave.commandEntered();
    void s.autosave.changedNow();
    void s.autosave.leaving();
    expect(s.saves()).toBe(1);
    s.hold(false);
    s.release();
    await first;
    expect(s.saves()).toBe(2);
    expect(s.mostAtOnce()).toBe(1);
  });

  it("a passed step saves at once, without waiting for the debounce", async () => {
    const s = scheduler();
    await s.autosave.changedNow();
    expect(s.saves()).toBe(1);
  });

  it("tries again at the next trigger after a failed save", async () => {
    const s = scheduler();
    s.failing(true);
    await s.autosave.changedNow();
    s.failing(false);
    await s.autosave.leaving();
    expect(s.saves()).toBe(2);
  });

  it("saves nothing while disabled (another tab owns the lab, the machine is not ready)", async () => {
    let enabled = false;
    const s = scheduler({ enabled: () => enabled });
    s.autosave.commandEntered();
    await vi.advanceTimersByTimeAsync(6000);
    expect(s.saves()).toBe(0);
    enabled = true;
    await s.autosave.leaving();
    expect(s.saves()).toBe(1);
  });

  it("forgets what ran when the machine is replaced by a saved one", async () => {
    const s = scheduler();
    s.autosave.commandEntered();
    s.autosave.replaced();
    await vi.advanceTimersByTimeAsync(6000);
    await s.autosave.leaving();
    expect(s.saves()).toBe(0);
  });
});
