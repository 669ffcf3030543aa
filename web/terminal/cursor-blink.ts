// The cursor's blink, for xterm's DOM renderer. xterm blinks it there with an endless CSS
// animation, which had the page draw a frame every 16 ms while the terminal sat idle (a Commit
// each vsync in a trace): CPU the emulator's worker wants, and the machine's messages (a
// keystroke's echo) waited behind that frame work. Here the animation is off (TerminalView's
// style) and a class on the terminal's box turns the cursor off and on every BLINK_MS while the
// terminal has the focus: two frames a second. A keystroke shows the cursor again, as xterm does.
// (The WebGL renderer blinks the cursor itself, in its own timer: the class does not touch it.)

export const BLINK_MS = 600;
export const CURSOR_OFF = "cursor-off";

export function blinkCursor(box: HTMLElement): { typed(): void; dispose(): void } {
  let timer: ReturnType<typeof setInterval> | null = null;
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = null;
    box.classList.remove(CURSOR_OFF);
  };
  const start = () => {
    stop();
    timer = setInterval(() => box.classList.toggle(CURSOR_OFF), BLINK_MS);
  };
  const focusOut = (event: FocusEvent) => {
    if (!box.contains(event.relatedTarget as Node | null)) stop();
  };
  box.addEventListener("focusin", start);
  box.addEventListener("focusout", focusOut);
  if (box.contains(document.activeElement)) start();
  return {
    typed: () => {
      if (timer) start();
    },
    dispose: () => {
      stop();
      box.removeEventListener("focusin", start);
      box.removeEventListener("focusout", focusOut);
    },
  };
}
