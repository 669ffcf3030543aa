import { describe, expect, it } from "vitest";
import xterm from "@xterm/xterm";
import { WARM_UP_BYTES, warmUpOutput, warmUpOutputPath } from "../../../web/terminal/warm-up";

/** A real xterm.js terminal (headless: never opened), with what was written to it and whether it was disposed. */
function terminal() {
  const term = new xterm.Terminal({ cols: 80, rows: 24, scrollback: 0, allowProposedApi: true });
  const writes: number[] = [];
  let disposed = 0;
  let last: { rows: string[]; cursorX: number } | null = null;
  return {
    writes,
    disposed: () => disposed,
    /** The screen as it was when the terminal was disposed of. */
    last: () => last,
    wrapped: {
      get modes() {
        return term.modes;
      },
      write(data: string | Uint8Array, callback?: () => void) {
        writes.push(data.length);
        term.write(data, callback);
      },
      dispose() {
        last = { rows: screen(term), cursorX: term.buffer.active.cursorX };
        disposed++;
        term.dispose();
      },
    },
  };
}

/** Idle turns run by hand: each one, then xterm's own parse (a timer) before the next. */
function idleQueue() {
  const queue: Array<() => void> = [];
  return {
    whenIdle: (run: () => void) => queue.push(run),
    /** Runs the turns queued, one at a time, letting xterm parse between them; returns how many ran. */
    async drain(limit = 10_000): Promise<number> {
      let turns = 0;
      for (; turns < limit; turns++) {
        await new Promise((r) => setTimeout(r, 0));
        await new Promise((r) => setTimeout(r, 0));
        const next = queue.shift();
        if (!next) break;
        next();
      }
      return turns;
    },
  };
}

/** The rows on the screen, as text. */
const screen = (term: InstanceType<typeof xterm.Terminal>) => {
  const buffer = term.buffer.active;
  return Array.from({ length: term.rows }, (_, y) => buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? "");
};
/** A line as the screen shows it: no colours, a tab to the next multiple of 8. */
const plain = (line: string) => {
  const bare = line.replace(/\x1b\[[0-9;]*[mK]/g, "");
  const tab = bare.indexOf("\t");
  return tab < 0 ? bare : bare.slice(0, tab) + " ".repeat(8 - (tab % 8)) + bare.slice(tab + 1);
};

describe("the made-up output", () => {
  it("is lines a command would print: plain, coloured, a tab, a multi-byte character, each ending CR LF", () => {
    const data = warmUpOutput(20_000);
    const text = new TextDecoder().decode(data);
    expect(data.length).toBeGreaterThanOrEqual(20_000);
    expect(data.length).toBeLessThan(20_000 + 64); // (a line over at most)
    expect(text.endsWith("\r\n")).toBe(true);
    expect(
      text
        .split("\r\n")
        .slice(0, -1)
        .every((line) => /^\x1b\[1;32m\d+|^\d+[ \t]/.test(line)),
    ).toBe(true);
    expect(text).toContain("\x1b[34m0123456789abcdef\x1b[0m €");
    expect(text).toContain("\t0123456789abcdef\x1b[K");
  });
});

describe("warmUpOutputPath", () => {
  it("runs all of it through xterm's parser, a slice per idle turn, then disposes of the terminal", async () => {
    const t = terminal();
    const idle = idleQueue();
    let made = 0;
    const warm = warmUpOutputPath(() => (made++, t.wrapped), idle.whenIdle);
    let done = false;
    void warm.done.then(() => (done = true));
    expect(made).toBe(0); // (nothing before the page is idle)
    const turns = await idle.drain();
    await Promise.resolve();
    expect(done).toBe(true);
    expect(made).toBe(1);
    expect(t.disposed()).toBe(1);
    // what is on the screen is the output's last lines, whole, and the cursor on the line after
    // them (the writer's own sequences cut none of it)
    const lines = new TextDecoder().decode(warmUpOutput()).split("\r\n").slice(-24, -1).map(plain);
    expect(t.last()).toEqual({ rows: [...lines, ""], cursorX: 0 });
    // a slice per idle turn (with the writer's own frames: idle turns too)
    expect(turns).toBeGreaterThan(WARM_UP_BYTES / (8 * 1024));
  });

  it("stops where it is when cancelled, the terminal disposed of at once", async () => {
    const t = terminal();
    const idle = idleQueue();
    const warm = warmUpOutputPath(() => t.wrapped, idle.whenIdle);
    await idle.drain(6);
    const written = t.writes.length;
    expect(written).toBeGreaterThan(0);
    warm.cancel();
    expect(t.disposed()).toBe(1);
    await idle.drain();
    await warm.done;
    expect(t.disposed()).toBe(1);
    expect(t.writes.length).toBe(written); // (not one write after it)
  });
});
