// The whole lab on one page: the machine, its two terminals, the lesson being followed and file
// transfers, wired to one connection. Components get it with useLab().
import { createContext, tick } from "svelte";
import { TERMINALS, type RestoredSnapshot, type TerminalId, type VmEvent } from "../../worker/api";
import type { Lesson } from "../lessons/catalog";
import { commandLines, type TypedLine } from "../lessons/solution";
import type { VmConnection } from "../vm/adapter";
import { TerminalSession } from "../terminal/session.svelte";
import { Typist } from "../terminal/typist";
import { AutosaveScheduler } from "../snapshots/autosave";
import { SnapshotShelf, type SnapshotContext } from "../snapshots/shelf.svelte";
import type { KeyValue } from "../snapshots/tab-lock";
import { Curriculum, isLessonSnapshot, type Place } from "./curriculum.svelte";
import { KernelView } from "./kernel-view.svelte";
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
  /** Snapshots: whether this tab owns the automatic ones, and where their latest id is kept. */
  snapshots?: {
    owner: boolean;
    /** Resolves when a tab that did not own the lab becomes its owner (the owning tab closed). */
    becameOwner?: Promise<void>;
    storage: KeyValue | null;
    download?: (bytes: Uint8Array, name: string) => void;
    persist?: () => Promise<boolean>;
    /** The lesson the URL named (a link to another lesson wins over the resumed one). */
    linkedLesson?: string | null;
    debounceMs?: number;
  };
}

export class Lab {
  readonly machine: MachineState;
  readonly terminals: Record<TerminalId, TerminalSession>;
  readonly transfer: FileTransfer;
  readonly curriculum: Curriculum | null;
  readonly snapshots: SnapshotShelf;
  readonly autosave: AutosaveScheduler;
  readonly kernelView: KernelView;
  activeTerminal = $state<TerminalId>("main");
  /** Why commands from the lesson were not all typed (a shell did not come back to its prompt). */
  typingNotice = $state<string | null>(null);

  private disposers: Array<() => void> = [];
  private promptSeen = false;
  private firstStartSettled = false;
  private promptMarked = false;
  /** Whether the page shows the lesson (not in sandbox mode): its checks run only then. */
  private lessonVisible = true;
  private readonly typist: Typist;
  private readonly mayTakeFocus: () => boolean;
  private readonly linkedLesson: string | null;

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
    this.transfer = new FileTransfer(api);
    const course = options.lessons;
    const passed = () => {
      this.snapshots.stepPassed();
      void this.autosave.changedNow();
    };
    this.curriculum = course ? new Curriculum(course.all, course.start, { exec, canCheck: isRunning, store: course.store ?? memoryProgress(), passed }) : null;
    const snapshotOptions = options.snapshots ?? { owner: true, storage: null };
    this.linkedLesson = snapshotOptions.linkedLesson ?? null;
    this.snapshots = new SnapshotShelf({
      api,
      owner: snapshotOptions.owner,
      storage: snapshotOptions.storage,
      context: () => this.snapshotContext(),
      restored: (restored) => this.showRestored(restored),
      download: snapshotOptions.download ?? (() => {}),
      ...(snapshotOptions.persist ? { persist: snapshotOptions.persist } : {}),
    });
    if (!snapshotOptions.owner) void snapshotOptions.becameOwner?.then(() => this.snapshots.becameOwner());
    this.autosave = new AutosaveScheduler({
      save: () => this.snapshots.autosave(),
      enabled: () =>
        this.snapshots.owner && !this.snapshots.autosavePaused && this.machine.stage === "ready" && this.machine.isRunning && this.snapshots.working === null,
      ...(snapshotOptions.debounceMs !== undefined ? { debounceMs: snapshotOptions.debounceMs } : {}),
    });
    this.kernelView = new KernelView({ exec, canRun: isRunning, highlight: () => this.lesson?.active.step.highlight ?? null });
    this.typist = new Typist({
      type: (terminal, text) => this.terminals[terminal].type(text),
      stuck: (message) => (this.typingNotice = message),
      guestBusy: () => this.machine.status === "busy",
    });

    this.disposers.push(this.machine.onReady(() => this.whenReady()));
    for (const id of TERMINALS) {
      this.disposers.push(
        this.terminals[id].onPrompt((afterCommand) => {
          if (id === "main") {
            this.promptSeen = true;
            this.markPrompt();
          }
          if (afterCommand) {
            this.autosave.commandEnded();
            if (this.lessonVisible) void this.lesson?.checkActive();
            this.kernelView.commandEnded();
          }
          this.typist.promptShown(id);
        }),
        this.terminals[id].onCommand(() => {
          if (this.lessonVisible) this.lesson?.commandEntered();
          this.autosave.commandEntered();
        }),
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
    if (runner !== before && this.machine.stage === "ready" && this.lessonVisible) {
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
    const ok = await started;
    this.firstStartSettled = true;
    const result = this.machine.lastStart;
    if (ok && result) {
      this.snapshots.started(result.resumed, result.resumeError);
      if (result.resumed) this.showRestored(result.resumed, this.linkedLesson);
      else this.checkLesson();
    }
    void this.snapshots.refresh();
    return ok;
  }

  /** What a snapshot taken now keeps besides the machine. */
  private snapshotContext(): SnapshotContext {
    const lesson = this.curriculum?.snapshot();
    const screens: Partial<Record<TerminalId, string>> = {};
    for (const id of TERMINALS) screens[id] = this.terminals[id].recentOutput();
    return {
      ...(lesson ? { place: { lesson: lesson.lesson, step: lesson.step }, lessonState: { ...lesson } } : {}),
      screens,
    };
  }

  /**
   * The machine is now as a snapshot saved it: its screens, its lesson and step (unless the URL
   * named another lesson), checked afresh (a check that ran across the restore was given up).
   */
  private showRestored(restored: RestoredSnapshot, linkedLesson: string | null = null): void {
    this.typist.cancel();
    this.typingNotice = null;
    this.autosave.replaced();
    for (const id of TERMINALS) this.terminals[id].showSaved(restored.screens?.[id] ?? "");
    for (const id of TERMINALS) void this.terminals[id].syncSize();
    const saved = restored.lessonState;
    const runner = this.curriculum && isLessonSnapshot(saved) ? this.curriculum.restore(saved, linkedLesson ?? saved.lesson) : null;
    if (!runner) this.lesson?.machineReplaced();
    this.kernelView.machineReplaced();
    if (this.machine.stage === "ready") this.checkLesson();
  }

  /** The page is being hidden or closed: keep the machine if anything ran since the last save. */
  pageHidden(): Promise<void> {
    return this.autosave.leaving();
  }

  /** Dismisses "Resumed your machine" by starting from the pre-booted state instead. */
  async startFresh(): Promise<boolean> {
    this.snapshots.forgetLatest();
    return this.reset();
  }

  private dispatch(event: VmEvent): void {
    if (event.type === "output") this.terminals[event.terminal].receive(event.data);
    else this.machine.handle(event);
  }

  private whenReady(): void {
    for (const id of TERMINALS) void this.terminals[id].syncSize();
    this.markPrompt();
    this.kernelView.wake();
    if (this.mayTakeFocus()) this.terminals[this.activeTerminal].focus();
    // (the first start may have resumed a snapshot: its lesson step is checked once it is shown,
    // and the step the URL named must not run its setup over the learner's machine first)
    if (this.firstStartSettled) this.checkLesson();
  }

  /**
   * The page shows the lesson, or hides it (sandbox mode): a hidden lesson's checks do not run
   * (each costs the guest a process or two, every few seconds); shown again, its step is checked.
   */
  lessonShown(visible: boolean): void {
    if (visible === this.lessonVisible) return;
    this.lessonVisible = visible;
    if (!visible) this.lesson?.stopPolling();
    else if (this.machine.stage === "ready") this.checkLesson();
  }

  private checkLesson(): void {
    if (!this.lesson || !this.lessonVisible) return;
    void this.lesson.checkActive();
    this.lesson.startPolling();
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
    this.autosave.replaced();
    this.snapshots.forgetLatest();
    this.kernelView.machineReplaced();
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
    this.typeLines(commandLines(command, terminal), { focus });
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
    this.autosave.dispose();
    this.lesson?.stopPolling();
    this.typist.cancel();
    this.kernelView.dispose();
    for (const d of this.disposers) d();
    for (const id of TERMINALS) this.terminals[id].dispose();
    this.connection.close();
  }
}

export const [useLab, setLab] = createContext<Lab>();
