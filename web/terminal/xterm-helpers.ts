// Small pieces of glue around xterm.js used by TerminalView.svelte.
import type { Terminal } from "@xterm/xterm";

/** The terminal's text, scrollback included: one string per logical line (wrapped rows joined). */
export function screenText(term: Terminal): string {
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  return lines.join("\n");
}

/** xterm's onBinary gives a string with one char per byte. */
export function binaryStringToBytes(data: string): Uint8Array {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
  return bytes;
}

/**
 * Keys the page handles instead of the shell. Ctrl+Shift+C copies the selection; Ctrl+Shift+V is
 * left to the browser, whose paste event xterm handles (and the paste limit sees). Shift+Tab
 * leaves the terminal (Tab itself completes in the shell), so the keyboard is never trapped.
 * Returns false for keys xterm must not turn into input.
 */
export function pageKeys(term: Terminal): (event: KeyboardEvent) => boolean {
  return (event) => {
    if (event.key === "Tab" && event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) return false;
    if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
    if (event.code === "KeyC") {
      if (event.type === "keydown") {
        event.preventDefault(); // Chromium's Ctrl+Shift+C opens the element inspector
        const selection = term.getSelection();
        if (selection) void navigator.clipboard?.writeText(selection).catch(() => {});
      }
      return false;
    }
    return event.code !== "KeyV";
  };
}
