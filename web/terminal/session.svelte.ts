// One learner's terminal as the lab sees it: bytes from the guest go to the screen (buffered
// until the screen exists), keystrokes and pastes go to the guest, and the screen's size reaches
// the guest's tty, debounced. The screen itself (xterm.js) lives in TerminalView.svelte.
import type { TerminalId, VmApi } from "../../worker/api";
import { pasteRefusal } from "./paste";
import type { RendererKind } from "./renderer";
import { PromptWatcher } from "./prompt";

/** What the session needs from the component that draws the terminal. */
export interface TerminalScreen {
  /** Draws `data`; `parsed` is called once the terminal has taken it in. */
  write(data: Uint8Array, parsed?: () => void): void;
  clear(): void;
  focus(): void;
  /** The screen's text, scrollback included, one line per row. */
  text(): string;
}

export interface TerminalSize {
  rows: number;
  cols: number;
}

export const RESIZE_DEBOUNCE_MS = 150;
/** Output kept while no screen is attached; older output is dropped. */
const PENDING_LIMIT = 1024 * 1024;
/** Output kept to show again when a snapshot of the machine is restored. */
export const RECENT_LIMIT = 64 * 1024;

export class TerminalSession {
  /** A message for the learner about this terminal (e.g. a refused paste). */
  notice = $state<string | null>(null);
  /** The size the screen has. */
  screenSize = $state<TerminalSize | null>(null);
  /** The size the guest's tty was last told (and acknowledged). */
  guestSize = $state<TerminalSize | null>(null);
  /** What draws the screen; null until known (xterm's DOM renderer draws meanwhile). */
  renderer = $state<RendererKind | null>(null);

  /** Bytes from the guest so far, and how many of them the screen has taken in (and when it last did). */
  readonly output = { received: 0, drawn: 0, drawnAt: 0 };

  private screen: TerminalScreen | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly prompt = new PromptWatcher();
  private commandEntered = false;
  private readonly promptListeners = new Set<(afterCommand: boolean) => void>();
  private readonly commandListeners = new Set<() => void>();
  private resizeTimer: ReturnType<typeof setTimeout> | null = null;
  private recent: Uint8Array[] = [];
  private recentBytes = 0;
  /** The benchmark's guest ceiling: output counted as drawn at once and not drawn (see test-hook.ts). */
  discardOutput = false;

  constructor(
    readonly id: TerminalId,
    readonly label: string,
    private readonly api: VmApi,
    /** Whether the machine can take input now. */
    private readonly isRunning: () => boolean,
  ) {}

  attach(screen: TerminalScreen): () => void {
    this.screen = screen;
    for (const data of this.pending) this.draw(screen, data, false); // (the machine heard of these already)
    this.pending = [];
    this.pendingBytes = 0;
    return () => {
      if (this.screen === screen) this.screen = null;
    };
  }

  /** Output from the guest. */
  receive(data: Uint8Array): void {
    this.output.received += data.length;
    this.recent.push(data);
    this.recentBytes += data.length;
    while (this.recentBytes - this.recent[0].length > RECENT_LIMIT) this.recentBytes -= this.recent.shift()!.length;
    if (this.discardOutput) {
      this.output.drawn += data.length;
      this.output.drawnAt = performance.now();
      this.drawn(data.length);
    } else if (this.screen) this.draw(this.screen, data);
    else {
      this.drawn(data.length); // kept here, not held up in the machine
      this.pending.push(data);
      this.pendingBytes += data.length;
      while (this.pendingBytes > PENDING_LIMIT) this.pendingBytes -= this.pending.shift()!.length;
    }
    if (this.prompt.push(data)) {
      const afterCommand = this.commandEntered;
      this.commandEntered = false;
      for (const listener of this.promptListeners) listener(afterCommand);
    }
  }

  /** The machine holds output the screen has not drawn yet (see worker/output-batcher.ts): say what it has. */
  private draw(screen: TerminalScreen, data: Uint8Array, tell = true): void {
    screen.write(data, () => {
      this.output.drawn += data.length;
      this.output.drawnAt = performance.now();
      if (tell) this.drawn(data.length);
    });
  }

  private drawn(bytes: number): void {
    this.api.outputDrawn(this.id, bytes).catch(() => {
      // the machine stopped meanwhile
    });
  }

  /** The exit status the shell marked for the command before its prompt last seen (OSC 133), if it marks them. */
  get lastExitStatus(): number | undefined {
    return this.prompt.exitStatus;
  }

  /** Whether the prompt last seen continues a line (a here-document's `> `) rather than asks for a command. */
  get atContinuation(): boolean {
    return this.prompt.continuation;
  }

  /** Called whenever the shell shows its prompt; `afterCommand` when the learner pressed Enter since the last one. */
  onPrompt(listener: (afterCommand: boolean) => void): () => void {
    this.promptListeners.add(listener);
    return () => this.promptListeners.delete(listener);
  }

  /** Called whenever the learner (or a lesson's Run button) enters a line. */
  onCommand(listener: () => void): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  /** Keystrokes (text) or raw bytes for the guest. */
  type(data: string | Uint8Array): void {
    if (!this.isRunning()) return;
    if (typeof data === "string" ? data.includes("\r") : data.includes(13)) {
      this.commandEntered = true;
      this.prompt.lineEntered();
      for (const listener of this.commandListeners) listener();
    }
    this.api.write(this.id, data).catch(() => {
      // the machine stopped under the keystroke; the status area says so
    });
  }

  /** Whether a paste of `text` may go ahead; if not, says why in `notice`. */
  allowPaste(text: string): boolean {
    this.notice = pasteRefusal(text);
    return this.notice === null;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** The screen was resized; the guest hears about it once resizing settles. */
  screenResized(size: TerminalSize): void {
    this.screenSize = size;
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = null;
      void this.syncSize();
    }, RESIZE_DEBOUNCE_MS);
  }

  /** Tells the guest the screen's size if it does not know it yet. */
  async syncSize(): Promise<void> {
    const wanted = this.screenSize;
    if (!wanted || !this.isRunning()) return;
    if (this.guestSize?.rows === wanted.rows && this.guestSize?.cols === wanted.cols) return;
    try {
      await this.api.resize(this.id, wanted.rows, wanted.cols);
      this.guestSize = wanted;
    } catch {
      // stopped meanwhile: the size is sent again when the machine is ready
    }
  }

  focus(): void {
    this.screen?.focus();
  }

  text(): string {
    return this.screen?.text() ?? "";
  }

  /**
   * The last ~64 KiB of output, from a line's start (so no escape sequence is cut), to show again
   * when a snapshot taken now is restored.
   */
  recentOutput(): string {
    const all = new Uint8Array(this.recentBytes);
    let at = 0;
    for (const chunk of this.recent) {
      all.set(chunk, at);
      at += chunk.length;
    }
    const from = all.length > RECENT_LIMIT ? all.indexOf(10, all.length - RECENT_LIMIT) + 1 : 0;
    return new TextDecoder().decode(all.subarray(from));
  }

  /** A restored machine: a blank screen showing what it showed when it was saved. */
  showSaved(output: string): void {
    this.clear();
    if (output) this.receive(new TextEncoder().encode(output));
  }

  /** The guest was replaced (reset): a blank screen, and its tty has the default size again. */
  clear(): void {
    this.screen?.clear();
    this.pending = [];
    this.pendingBytes = 0;
    this.recent = [];
    this.recentBytes = 0;
    this.prompt.reset();
    this.commandEntered = false;
    this.guestSize = null;
    this.notice = null;
  }

  dispose(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.promptListeners.clear();
    this.commandListeners.clear();
  }
}
