// The whole lab on one page: the machine, its two terminals, the lesson being followed and file
// transfers, wired to one connection. Components get it with useLab().
import { createContext, tick } from "svelte";
import { TERMINALS, type TerminalId, type VmEvent } from "../../worker/api";
import type { Lesson } from "../lessons/catalog";
import type { TypedLine } from "../lessons/solution";
import type { VmConnection } from "../vm/adapter";
import { TerminalSession } from "../terminal/session.svelte";
import { Typist } from "../terminal/typist";
import { Curriculum, type Place } from "./curriculum.svelte";
import type { LessonRunner } from "./lesson.svelte";
import { MachineState } from "./machine.svelte";
import { memoryProgress, type ProgressStore } from "./progress";
import { FileTransfer } from "./transfer.svelte";

/** Marked when the learner's shell first shows its prompt: the benchmark measures navigation -> this. */
export const PROMPT_MARK = "contained:prompt";

const TERMINAL_LABELS: Record<TerminalId, string> = { main: "Shell", second: "Second shell" };

export interface LabOptions {
  /** The course, and where to open it; none in a lab without lessons. */
  lessons?: { all: Lesson[]; start: Place; store?: ProgressStore };
  /** Focus the terminal when the machine becomes ready unless the learner is busy elsewhere. */
  mayTakeFocus?: () => boolean;
}

export class Lab {
  readonly machine: MachineState;
  readonly terminals: Record<TerminalId, TerminalSession>;
  readonly transfer: FileTransfer;
  readonly curriculum: Curriculum | null;
  activeTerminal = $state<TerminalId>("main");
  /** Why commands from the lesson were not all typed (a shell did not come back to its prompt). */
  typingNotice = $state<string | null>(null);

  private disposers: Array<() => void> = [];
  private promptSeen = false;
  private promptMarked = false;
  private readonly typist: Typist;
  private readonly mayTakeFocus: () => boolean;

  constructor(
    private readonly connection: VmConnection,
    options: LabOptions = {},
  ) {
    const api = connection.api;
    this.mayTakeFocus = options.mayTakeFocus ?? (() => true);
    this.machine = new MachineState(api, () => connection.start());
    const isRunning = () => this.machine.isRunning;
    this.terminals = {
      main: new TerminalSession("main", TERMINAL_LABELS.main, api, isRunning),
      second: new TerminalSession("second", TERMINAL_LABELS.second, api, isRunning),
    };
    const exec = api.exec.bind(api);
    this.transfer = new FileTransfer(exec);
    const course = options.lessons;
    this.curriculum = course ? new Curriculum(course.all, course.start, { exec, canCheck: isRunning, store: course.store ?? memoryProgress() }) : null;
    this.typist = new Typist({
      type: (terminal, text) => this.terminals[terminal].type(text),
      stuck: (message) => (this.typingNotice = message),
    });

    this.disposers.push(this.machine.onReady(() => this.whenReady()));
    for (const id of TERMINALS) {
      this.disposers.push(
        this.terminals[id].onPrompt((afterCommand) => {
          if (id === "main") {
            this.promptSeen = true;
            this.markPrompt();
          }
          if (afterCommand) void this.lesson?.checkActive();
          this.typist.promptShown(id);
        }),
        this.terminals[id].onCommand(() => this.lesson?.commandEntered()),
      );
    }
  }

  /** The lesson being followed, if any. */
  get lesson(): LessonRunner | null {
    return this.curriculum?.runner ?? null;
  }

  /** Opens a lesson (at `step`, else its first step not done) and checks it. */
  openLesson(lesson: Lesson, step = -1): void {
    if (!this.curriculum) return;
    const before = this.curriculum.runner;
    const runner = this.curriculum.select(lesson, step);
    if (runner !== before && this.machine.stage === "ready") {
      void runner.checkActive();
      runner.startPolling();
    }
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

  /**
   * A freshly booted machine: blank terminals; the open step is set up again and checked. The
   * steps done stay done unless `forgetProgress`.
   */
  async reset({ forgetProgress = false } = {}): Promise<boolean> {
    for (const id of TERMINALS) this.terminals[id].clear();
    this.typist.cancel();
    this.typingNotice = null;
    if (forgetProgress) this.curriculum?.forgetAll();
    this.lesson?.machineReplaced();
    return this.machine.reset();
  }

  /** Halts the machine's processor, keeping everything: nothing runs or is checked until resume(). */
  pause(): Promise<void> {
    return this.machine.pause();
  }

  resume(): Promise<void> {
    return this.machine.resume();
  }

  /** Ends the machine, freeing its memory; startAgain() boots a fresh one. */
  async stop(): Promise<void> {
    this.typist.cancel();
    this.lesson?.stopPolling();
    await this.machine.stop();
  }

  /** A fresh machine after stop(): blank terminals, and the open step set up again when it needs it. */
  startAgain(): Promise<boolean> {
    for (const id of TERMINALS) this.terminals[id].clear();
    this.typingNotice = null;
    this.lesson?.machineReplaced();
    return this.machine.start();
  }

  /** Brings a terminal to the front and, unless told otherwise, focuses it once it is visible. */
  showTerminal(id: TerminalId, { focus = true } = {}): void {
    this.activeTerminal = id;
    if (focus) void tick().then(() => this.terminals[id].focus());
  }

  /**
   * Types a lesson's command into one of the learner's shells and runs it, as if they had typed
   * it: a line at a time, each once that shell is back at its prompt (see Typist). The shell
   * takes the keyboard unless `focus` is false (a page that embeds the lab asked).
   */
  runInTerminal(command: string, terminal: TerminalId = "main", { focus = true } = {}): void {
    const lines = command.split(/\r?\n/).filter((line) => line.trim() !== "");
    this.typeLines(
      lines.map((text) => ({ terminal, text })),
      { focus },
    );
  }

  /** Types lines (a step's solution) into the shells they name. */
  typeLines(lines: TypedLine[], { focus = true } = {}): void {
    if (lines.length === 0) return;
    this.typingNotice = null;
    this.showTerminal(lines[0].terminal, { focus });
    this.typist.enqueue(lines);
  }

  dismissTypingNotice(): void {
    this.typingNotice = null;
  }

  dispose(): void {
    this.lesson?.stopPolling();
    this.typist.cancel();
    for (const d of this.disposers) d();
    for (const id of TERMINALS) this.terminals[id].dispose();
    this.connection.close();
  }
}

export const [useLab, setLab] = createContext<Lab>();
