// The whole lab on one page: the machine, its two terminals, the lesson being followed and file
// transfers, wired to one connection. Components get it with useLab().
import { createContext, tick } from "svelte";
import { TERMINALS, type TerminalId, type VmEvent } from "../../worker/api";
import type { Lesson } from "../lessons/catalog";
import type { VmConnection } from "../vm/adapter";
import { TerminalSession } from "../terminal/session.svelte";
import { LessonRunner } from "./lesson.svelte";
import { MachineState } from "./machine.svelte";
import { FileTransfer } from "./transfer.svelte";

/** Marked when the learner's shell first shows its prompt: the benchmark measures navigation -> this. */
export const PROMPT_MARK = "contained:prompt";

const TERMINAL_LABELS: Record<TerminalId, string> = { main: "Shell", second: "Second shell" };

export class Lab {
  readonly machine: MachineState;
  readonly terminals: Record<TerminalId, TerminalSession>;
  readonly transfer: FileTransfer;
  readonly lesson: LessonRunner | null;
  activeTerminal = $state<TerminalId>("main");

  private disposers: Array<() => void> = [];
  private promptSeen = false;
  private promptMarked = false;
  /** Lines of lesson commands still to type, each once the shell is back at its prompt. */
  private queuedLines: string[] = [];
  private waitingForPrompt = false;

  constructor(
    private readonly connection: VmConnection,
    lesson: Lesson | null,
    /** Focus the terminal when the machine becomes ready unless the learner is busy elsewhere. */
    private readonly mayTakeFocus: () => boolean = () => true,
  ) {
    const api = connection.api;
    this.machine = new MachineState(api, () => connection.start());
    const isRunning = () => this.machine.isRunning;
    this.terminals = {
      main: new TerminalSession("main", TERMINAL_LABELS.main, api, isRunning),
      second: new TerminalSession("second", TERMINAL_LABELS.second, api, isRunning),
    };
    const exec = api.exec.bind(api);
    this.transfer = new FileTransfer(exec);
    this.lesson = lesson ? new LessonRunner(lesson, { exec, canCheck: isRunning }) : null;

    this.disposers.push(
      this.machine.onReady(() => this.whenReady()),
      this.terminals.main.onPrompt((afterCommand) => {
        this.promptSeen = true;
        this.markPrompt();
        if (afterCommand) void this.lesson?.checkActive();
        if (this.waitingForPrompt) this.typeNextLine();
      }),
    );
  }

  /** Connects to the machine's events and starts it. */
  async start(): Promise<boolean> {
    // start() first: it forgets the last failure, and the events kept since the connection
    // began the start (a failure among them) come right after, when the lab listens.
    const started = this.machine.start();
    this.disposers.push(await this.connection.listen((event) => this.dispatch(event)));
    return started;
  }

  private dispatch(event: VmEvent): void {
    if (event.type === "output") this.terminals[event.terminal].receive(event.data);
    else this.machine.handle(event);
  }

  private whenReady(): void {
    for (const id of TERMINALS) void this.terminals[id].syncSize();
    this.markPrompt();
    if (this.mayTakeFocus()) this.terminals[this.activeTerminal].focus();
    if (this.lesson) {
      void this.lesson.checkActive();
      this.lesson.startPolling();
    }
  }

  private markPrompt(): void {
    if (this.promptMarked || !this.promptSeen || this.machine.stage !== "ready") return;
    this.promptMarked = true;
    performance.mark(PROMPT_MARK);
  }

  retry(): Promise<boolean> {
    return this.machine.start();
  }

  /** A freshly booted machine: blank terminals, and the lesson's checks start over. */
  async reset(): Promise<boolean> {
    for (const id of TERMINALS) this.terminals[id].clear();
    this.queuedLines = [];
    this.waitingForPrompt = false;
    this.lesson?.restart();
    return this.machine.reset();
  }

  /** Brings a terminal to the front and, unless told otherwise, focuses it once it is visible. */
  showTerminal(id: TerminalId, { focus = true } = {}): void {
    this.activeTerminal = id;
    if (focus) void tick().then(() => this.terminals[id].focus());
  }

  /**
   * Types a lesson's command into the learner's shell and runs it, as if they had typed it. A
   * command of several lines is typed a line at a time, each once the shell shows its prompt
   * again, so the screen reads like a session rather than a pile of type-ahead.
   */
  runInTerminal(command: string): void {
    this.showTerminal("main");
    this.queuedLines.push(...command.split(/\r?\n/).filter((line) => line.trim() !== ""));
    if (!this.waitingForPrompt) this.typeNextLine();
  }

  private typeNextLine(): void {
    const line = this.queuedLines.shift();
    this.waitingForPrompt = line !== undefined;
    if (line !== undefined) this.terminals.main.type(line + "\r");
  }

  dispose(): void {
    this.lesson?.stopPolling();
    for (const d of this.disposers) d();
    for (const id of TERMINALS) this.terminals[id].dispose();
    this.connection.close();
  }
}

export const [useLab, setLab] = createContext<Lab>();
