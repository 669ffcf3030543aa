import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeVm } from "../../../web/vm/fake-vm";
import { PASTE_LIMIT, pasteRefusal } from "../../../web/terminal/paste";
import { PromptWatcher } from "../../../web/terminal/prompt";
import { RESIZE_DEBOUNCE_MS, TerminalSession, type TerminalScreen } from "../../../web/terminal/session.svelte";

const encode = (text: string) => new TextEncoder().encode(text);

function recordingScreen(): TerminalScreen & { written: string } {
  const screen = {
    written: "",
    write: (data: Uint8Array) => (screen.written += new TextDecoder().decode(data)),
    clear: () => (screen.written = ""),
    focus: () => {},
    text: () => screen.written,
  };
  return screen;
}

async function session(running = true) {
  const vm = new FakeVm({ stepMs: 0 });
  if (running) await vm.start({ imagesBase: "fake:", wasmPath: "fake:" });
  const write = vi.spyOn(vm, "write");
  const resize = vi.spyOn(vm, "resize");
  return { vm, write, resize, terminal: new TerminalSession("main", "Shell", vm, () => running) };
}

afterEach(() => vi.useRealTimers());

describe("paste limit", () => {
  it("lets pastes up to the limit through and explains a larger one", () => {
    expect(pasteRefusal("x".repeat(PASTE_LIMIT))).toBeNull();
    expect(pasteRefusal("x".repeat(PASTE_LIMIT + 1))).toMatch(
      /^That paste \(256\.0 KiB\) is more than the terminal takes \(256\.0 KiB\), so none of it was typed\. .*drop the file onto the terminal/,
    );
  });

  it("counts bytes, not characters", () => {
    expect(pasteRefusal("é".repeat(PASTE_LIMIT / 2 + 1))).not.toBeNull();
  });

  it("shows the refusal on the terminal and clears it on the next allowed paste", async () => {
    const { terminal } = await session();
    expect(terminal.allowPaste("x".repeat(PASTE_LIMIT + 1))).toBe(false);
    expect(terminal.notice).toContain("256.0 KiB");
    expect(terminal.allowPaste("ls")).toBe(true);
    expect(terminal.notice).toBeNull();
  });
});

describe("TerminalSession", () => {
  it("buffers output until the screen exists, then writes it in order", async () => {
    const { terminal } = await session();
    terminal.receive(encode("one "));
    terminal.receive(encode("two "));
    const screen = recordingScreen();
    terminal.attach(screen);
    terminal.receive(encode("three"));
    expect(screen.written).toBe("one two three");
  });

  it("sends keystrokes and raw bytes to the guest's terminal", async () => {
    const { terminal, write } = await session();
    terminal.type("ls\r");
    terminal.type(new Uint8Array([0xff, 0x00]));
    expect(write).toHaveBeenCalledWith("main", "ls\r");
    expect(write).toHaveBeenCalledWith("main", new Uint8Array([0xff, 0x00]));
  });

  it("drops keystrokes while the machine is not running", async () => {
    const { terminal, write } = await session(false);
    terminal.type("ls\r");
    expect(write).not.toHaveBeenCalled();
  });

  it("tells the guest the new size once resizing settles", async () => {
    const { terminal, resize } = await session();
    vi.useFakeTimers();
    terminal.screenResized({ rows: 30, cols: 100 });
    terminal.screenResized({ rows: 31, cols: 101 });
    terminal.screenResized({ rows: 32, cols: 102 });
    expect(resize).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(RESIZE_DEBOUNCE_MS);
    expect(resize).toHaveBeenCalledTimes(1);
    expect(resize).toHaveBeenCalledWith("main", 32, 102);
    expect(terminal.guestSize).toEqual({ rows: 32, cols: 102 });
    await terminal.syncSize();
    expect(resize).toHaveBeenCalledTimes(1);
  });

  it("after a reset the guest is told the size again", async () => {
    const { terminal, resize } = await session();
    terminal.screenResized({ rows: 30, cols: 100 });
    await terminal.syncSize();
    terminal.clear();
    expect(terminal.guestSize).toBeNull();
    await terminal.syncSize();
    expect(resize).toHaveBeenCalledTimes(2);
  });

  it("reports each prompt, and whether the learner ran a command before it", async () => {
    const { terminal } = await session();
    const prompts: boolean[] = [];
    terminal.onPrompt((afterCommand) => prompts.push(afterCommand));
    terminal.receive(encode("root@contained:~# "));
    terminal.type("ls\r");
    terminal.receive(encode("ls\r\nhello.txt\r\n"));
    terminal.receive(encode("root@contained:~# "));
    expect(prompts).toEqual([false, true]);
  });

  it("does not take the echo of an entered line for the prompt that ends its command", async () => {
    const { terminal } = await session();
    const prompts: boolean[] = [];
    terminal.onPrompt((afterCommand) => prompts.push(afterCommand));
    terminal.receive(encode("root@contained:~# "));
    terminal.type("echo '$ ' > f; echo done # \r");
    // the echo comes back in pieces, each ending as a prompt would
    terminal.receive(encode("echo '$ "));
    terminal.receive(encode("' > "));
    terminal.receive(encode("f; echo done # "));
    expect(prompts).toEqual([false]);
    terminal.receive(encode("\r\ndone\r\nroot@contained:~# "));
    expect(prompts).toEqual([false, true]);
  });
});

describe("PromptWatcher", () => {
  it("sees a prompt through colour codes and split output", () => {
    const watcher = new PromptWatcher();
    expect(watcher.push(encode("\x1b[01;32mroot@contained\x1b[00m:\x1b[01;34m~\x1b[00m"))).toBe(false);
    expect(watcher.push(encode("# \x1b[?2004h"))).toBe(true);
    expect(watcher.push(encode("ls\r\n"))).toBe(false);
    expect(watcher.push(encode("bash-5.2$ "))).toBe(true);
  });

  it("survives bytes that are not UTF-8", () => {
    const watcher = new PromptWatcher();
    expect(watcher.push(new Uint8Array([0xff, 0xfe, 0x23, 0x20]))).toBe(true);
  });

  it("after a line is entered, waits for the shell's new line before it sees a prompt", () => {
    const watcher = new PromptWatcher();
    expect(watcher.push(encode("root@contained:~# "))).toBe(true);
    watcher.lineEntered();
    expect(watcher.push(encode("cat a > "))).toBe(false);
    expect(watcher.push(encode("b\r\n"))).toBe(false);
    expect(watcher.push(encode("root@contained:~# "))).toBe(true);
    // nothing entered: a prompt as before (a shell that redraws its line, or prints a first prompt)
    expect(watcher.push(encode("\r\nsh-5.2# "))).toBe(true);
  });

  it("takes a prompt the shell marks (OSC 133 A) even with no new line, but not an echo after an earlier mark", () => {
    const watcher = new PromptWatcher();
    expect(watcher.push(encode("\x1b]133;A\x07root@contained:~# "))).toBe(true);
    watcher.lineEntered();
    expect(watcher.push(encode("read -s x # "))).toBe(false);
    expect(watcher.push(encode("\r\n"))).toBe(false);
    // `read -s` echoes neither the secret nor the Enter that ends it: the marked prompt still counts
    watcher.lineEntered();
    expect(watcher.push(encode("\x1b]133;D;0\x07\x1b]133;A\x07root@contained:~# "))).toBe(true);
    expect(watcher.exitStatus).toBe(0);
  });
});
