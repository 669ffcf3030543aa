import { describe, expect, it } from "vitest";
import { PromptWatcher } from "../../../web/terminal/prompt";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("OSC 133 command marks", () => {
  it("give the exit status of the command before a prompt, once", () => {
    const watcher = new PromptWatcher();
    expect(watcher.push(bytes("false\r\n\x1b]133;D;1\x07root@contained:~# "))).toBe(true);
    expect(watcher.exitStatus).toBe(1);
    expect(watcher.push(bytes("\r\nroot@contained:~# "))).toBe(true);
    expect(watcher.exitStatus).toBeUndefined();
  });

  it("are found when split across outputs, and with the ST terminator", () => {
    const watcher = new PromptWatcher();
    expect(watcher.push(bytes("\x1b]133;D;1"))).toBe(false);
    expect(watcher.push(bytes("30\x1b\\# "))).toBe(true);
    expect(watcher.exitStatus).toBe(130);
  });

  it("are absent where the shell marks nothing, and a continuation prompt is told apart", () => {
    const watcher = new PromptWatcher();
    watcher.push(bytes("cat <<EOF\r\n> "));
    expect(watcher.continuation).toBe(true);
    expect(watcher.exitStatus).toBeUndefined();
    watcher.push(bytes("EOF\r\n# "));
    expect(watcher.continuation).toBe(false);
  });
});
