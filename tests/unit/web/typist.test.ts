// Typist: lesson commands typed a line at a time, each when its shell is ready for it.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TerminalId } from "../../../worker/api";
import { Typist } from "../../../web/terminal/typist";

function typist() {
  const typed: Array<[TerminalId, string]> = [];
  const stuck: string[] = [];
  const t = new Typist({ type: (terminal, text) => typed.push([terminal, text]), stuck: (m) => stuck.push(m), promptTimeoutMs: 15_000, settleMs: 1500 });
  return { t, typed, stuck };
}

afterEach(() => vi.useRealTimers());

describe("Typist", () => {
  it("types the next line into a shell only once that shell shows its prompt again", () => {
    const { t, typed } = typist();
    t.enqueue([
      { terminal: "main", text: "cd my-new-root" },
      { terminal: "main", text: "chroot . bash" },
    ]);
    expect(typed).toEqual([["main", "cd my-new-root\r"]]);
    t.promptShown("second"); // the other shell's prompt says nothing about this one
    expect(typed).toHaveLength(1);
    t.promptShown("main");
    expect(typed).toEqual([
      ["main", "cd my-new-root\r"],
      ["main", "chroot . bash\r"],
    ]);
    expect(t.busy).toBe(false);
  });

  it("lets a line go to the other shell once a program left running had a moment to start", async () => {
    vi.useFakeTimers();
    const { t, typed } = typist();
    t.enqueue([
      { terminal: "main", text: "tail -f /tmp/log" },
      { terminal: "second", text: "ps aux" },
    ]);
    expect(typed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1499);
    expect(typed).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(typed[1]).toEqual(["second", "ps aux\r"]);
  });

  it("drops the rest with a message when a shell never comes back to its prompt, instead of waiting forever", async () => {
    vi.useFakeTimers();
    const { t, typed, stuck } = typist();
    t.enqueue([
      { terminal: "main", text: "tail -f /tmp/log" },
      { terminal: "main", text: "echo after" },
      { terminal: "main", text: "echo more" },
    ]);
    const idle = t.whenIdle();
    await vi.advanceTimersByTimeAsync(15_000);
    await idle;
    expect(typed).toEqual([["main", "tail -f /tmp/log\r"]]);
    expect(stuck).toEqual([
      "The shell is still running `tail -f /tmp/log`, so the next 2 lines were not typed. Finish it (Ctrl-C stops most programs), then run the rest.",
    ]);
    // The shell is free again for what comes next.
    t.enqueue([{ terminal: "main", text: "ls" }]);
    expect(typed.at(-1)).toEqual(["main", "ls\r"]);
  });

  it("gives a shell more time while the guest is busy computing (a tar -xf), none while it idles", async () => {
    vi.useFakeTimers();
    let busy = true;
    const typed: string[] = [];
    const stuck: string[] = [];
    const t = new Typist({ type: (_, text) => typed.push(text), stuck: (m) => stuck.push(m), promptTimeoutMs: 15_000, guestBusy: () => busy });
    t.enqueue([
      { terminal: "main", text: "tar -xf big.tar" },
      { terminal: "main", text: "ls" },
    ]);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(stuck).toEqual([]);
    t.promptShown("main");
    expect(typed).toEqual(["tar -xf big.tar\r", "ls\r"]);
    t.promptShown("main");
    t.enqueue([
      { terminal: "main", text: "tail -f log" },
      { terminal: "main", text: "ls" },
    ]);
    busy = false;
    await vi.advanceTimersByTimeAsync(15_000);
    expect(stuck).toEqual([expect.stringContaining("still running `tail -f log`")]);
  });

  it("waits for a slow command in one shell before typing into the other, while the guest is busy with it", async () => {
    vi.useFakeTimers();
    let busy = true;
    const typed: string[] = [];
    const t = new Typist({ type: (_, text) => typed.push(text), stuck: () => {}, promptTimeoutMs: 15_000, settleMs: 1500, guestBusy: () => busy });
    t.enqueue([
      { terminal: "second", text: "ip link set veth1 netns 42" },
      { terminal: "main", text: "ip link" },
    ]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(typed).toEqual(["ip link set veth1 netns 42\r"]);
    busy = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(typed).toEqual(["ip link set veth1 netns 42\r", "ip link\r"]);
  });

  it("forgets everything when cancelled (the machine was replaced)", () => {
    const { t, typed } = typist();
    t.enqueue([
      { terminal: "main", text: "one" },
      { terminal: "main", text: "two" },
    ]);
    t.cancel();
    t.promptShown("main");
    expect(typed).toEqual([["main", "one\r"]]);
    t.enqueue([{ terminal: "main", text: "three" }]);
    expect(typed.at(-1)).toEqual(["main", "three\r"]);
  });
});
