// Boots the real VM in a Node worker_thread through comlink (the browser's code path) and
// reads the learner's terminals the way a person would: by what appears on them.
import type { StartFrom, StartOptions, TerminalId, VmEvent, VmStatus } from "../../worker/api";
import { startNodeVm, type NodeVm } from "../../worker/node-client";

interface Waiter {
  /** Whether the pattern now shows, given the text just printed (which starts at `at`). */
  test(chunk: string, at: number): boolean;
  resolve(): void;
}

export class TerminalLog {
  bytes = 0;
  private printed = "";
  private pending: string[] = [];
  private length = 0;
  private waiters: Waiter[] = [];

  /** Everything the terminal printed, bytes as latin1 characters (so binary stays exact). */
  get text(): string {
    if (this.pending.length) {
      this.printed += this.pending.join("");
      this.pending = [];
    }
    return this.printed;
  }

  push(data: Uint8Array): void {
    let chunk = "";
    for (let i = 0; i < data.length; i += 0x8000) chunk += String.fromCharCode(...data.subarray(i, i + 0x8000));
    const at = this.length;
    this.pending.push(chunk);
    this.length += chunk.length;
    this.bytes += data.length;
    this.waiters = this.waiters.filter((w) => (w.test(chunk, at) ? (w.resolve(), false) : true));
  }

  /**
   * Resolves when `pattern` matches what was printed after `from` (default: everything). A
   * string is looked for in each new chunk (with the end of the one before), so waiting through
   * megabytes of output stays linear; a RegExp is tried on all the text after `from`.
   */
  waitFor(pattern: RegExp | string, timeoutMs = 30_000, from = 0): Promise<string> {
    let test: Waiter["test"];
    if (typeof pattern === "string") {
      let carry = "";
      test = (chunk, at) => {
        const window = carry + (from > at ? chunk.slice(from - at) : chunk);
        carry = window.slice(-(pattern.length - 1) || window.length);
        return window.includes(pattern);
      };
    } else test = () => pattern.test(this.text.slice(from));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        resolve(this.text.slice(from));
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${pattern}; the terminal ends with: ${JSON.stringify(this.text.slice(-400))}`));
      }, timeoutMs);
      if (test(this.text.slice(Math.min(from, this.length)), Math.min(from, this.length))) done();
      else this.waiters.push({ test, resolve: done });
    });
  }
}

export interface Lab {
  vm: NodeVm;
  terminals: Record<TerminalId, TerminalLog>;
  statuses: VmStatus[];
  events: VmEvent[];
  /** Types a line into a terminal and waits for a marker echoing its exit code; returns the output. */
  run(terminal: TerminalId, command: string, timeoutMs?: number): Promise<{ output: string; exitCode: number }>;
  /** Called with every chunk of output of the learner's terminals. */
  onOutput(listener: (terminal: TerminalId, data: Uint8Array) => void): () => void;
  /** Types a line (e.g. one that starts a new shell) and waits for the next prompt. */
  type(terminal: TerminalId, line: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The end of a shell prompt as the terminal receives it. Readline may clear the rest of the line
 * after a prompt that holds invisible characters (the OSC 133 marks): `# ` then ESC [ K.
 */
export const PROMPT = /# (?:\x1b\[K)?$/;

let runCounter = 0;

/** `options`: more of StartOptions (autosaves, say). */
export async function startLab(from: StartFrom = "state", options: Partial<StartOptions> = {}): Promise<Lab> {
  const vm = startNodeVm();
  const terminals: Record<TerminalId, TerminalLog> = { main: new TerminalLog(), second: new TerminalLog() };
  const statuses: VmStatus[] = [];
  const events: VmEvent[] = [];
  const outputListeners = new Set<(terminal: TerminalId, data: Uint8Array) => void>();
  await vm.listen((event) => {
    if (event.type === "output") {
      terminals[event.terminal].push(event.data);
      for (const listener of outputListeners) listener(event.terminal, event.data);
    } else events.push(event);
    if (event.type === "status") statuses.push(event.status);
  });
  await vm.api.start({ ...options, imagesBase: vm.imagesBase, wasmPath: vm.wasmPath, from });
  await terminals.main.waitFor(PROMPT, 30_000);
  // Wide terminals: readline then never wraps a typed line, so its echo is one line.
  await vm.api.resize("main", 50, 400);
  await vm.api.resize("second", 50, 400);
  return {
    vm,
    terminals,
    statuses,
    events,
    onOutput(listener) {
      outputListeners.add(listener);
      return () => outputListeners.delete(listener);
    },
    async run(terminal, command, timeoutMs = 30_000) {
      const log = terminals[terminal];
      const id = `${++runCounter}${Math.random().toString(36).slice(2, 8)}`;
      const from = log.text.length;
      // The marker is split in the typed text, so only its output (not the echo) matches; the
      // whole line, so the next command is not typed before the marker's line ended.
      const echoed = `@@done-${id}"'='$?`;
      const marker = new RegExp(`@@done-${id}=(\\d+)\r?\n`);
      await vm.api.write(terminal, `${command}; echo "@@done-${id}"'='$?\n`);
      const out = await log.waitFor(marker, timeoutMs, from);
      const exitCode = Number(marker.exec(out)![1]);
      // Skip the echoed command line: twice when it was typed before the shell was back at its
      // prompt (the tty echoes it, then readline does).
      const start = out.indexOf("\n", out.lastIndexOf(echoed)) + 1;
      const output = out
        .slice(start, out.indexOf(`@@done-${id}=`))
        .replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "") // bash's bracketed-paste switches
        .replace(/\x1b\][^\x07]*\x07/g, "") // the prompt's OSC 133 marks
        .replace(/\r/g, "");
      return { output, exitCode };
    },
    async type(terminal, line, timeoutMs = 30_000) {
      const from = terminals[terminal].text.length;
      await vm.api.write(terminal, `${line}\n`);
      await terminals[terminal].waitFor(PROMPT, timeoutMs, from);
    },
    async close() {
      await vm.api.stop().catch(() => undefined);
      await vm.close();
    },
  };
}
