// The embedded lab (embed.html): the lab in a frame of someone else's page, driven by that page
// through the message API (bridge.ts). Its own machine, its lessons (the site's, or a pack the
// page brings), progress kept for this visit only (two labs on one page must not share it),
// and it never takes the keyboard from the page unless the learner or the page asks.
import { mount } from "svelte";
import "../styles.css";
import type { TerminalId, VmStatus } from "../../worker/api";
import type { VmConnection } from "../vm/adapter";
import { Lab } from "../state/lab.svelte";
import { Settings } from "../state/settings.svelte";
import { memoryProgress, type ProgressStore } from "../state/progress";
import { lessons as siteLessons } from "../lessons/catalog";
import { findLesson, findStep, type Lesson } from "../lessons/format";
import { installTestHook } from "../test-hook";
import Embed from "./Embed.svelte";
import { EmbedBridge, EmbedFailure, type EmbedControl } from "./bridge";
import type { EmbedConfig } from "./config";
import { PackError, fetchPack, lessonsFromPack } from "./pack";
import { TERMINALS } from "../../worker/api";

/** How long a request to run a command waits for a machine that is starting. */
const READY_WAIT_MS = 120_000;
/** How long a lab opened with pack=message waits for the page's pack. */
const PACK_WAIT_MS = 15_000;

/** Steps done, for this visit only; each newly done step is reported. */
function reportingProgress(onPassed: (lessonId: string, stepId: string) => void): ProgressStore {
  const kept = memoryProgress();
  return {
    passed: (lessonId) => kept.passed(lessonId),
    setPassed(lessonId, stepIds) {
      const before = new Set(kept.passed(lessonId));
      kept.setPassed(lessonId, stepIds);
      for (const id of stepIds) if (!before.has(id)) onPassed(lessonId, id);
    },
  };
}

/** Settings for the frame: the page's theme when it names one, else the learner's own. */
function embedSettings(config: EmbedConfig): Settings {
  if (!config.theme) return new Settings();
  const theme = config.theme;
  return new Settings({ getItem: (key) => (key === "contained:theme" ? theme : null), setItem: () => {} });
}

class EmbeddedLab implements EmbedControl {
  lab: Lab | null = null;
  private started = false;
  private lastStatus: VmStatus | null = null;
  private readonly bridge: EmbedBridge;
  /** Given the page's pack (or why it is not one), once, by loadPack. */
  private packArrived: ((pack: Lesson[] | PackError) => void) | null = null;
  private lessonsTaken = false;
  /** What went wrong with the lessons asked for (shown in the frame). */
  private lessonProblems: string[] = [];

  constructor(
    private readonly connection: VmConnection,
    private readonly config: EmbedConfig,
  ) {
    this.bridge = new EmbedBridge(window, config.trustedOrigins, this, config.name);
  }

  async launch(): Promise<void> {
    this.bridge.listen();
    this.bridge.send({ type: "loaded", build: __CONTAINED_BUILD__ });
    for (const problem of this.config.problems) console.warn(`Contained embed: ${problem}`);
    const lessons = await this.lessons();
    this.lessonsTaken = true;
    const lab = this.createLab(lessons);
    this.lab = lab;
    const settings = embedSettings(this.config);
    settings.followSystem(matchMedia("(prefers-color-scheme: dark)"));
    mount(Embed, {
      target: document.getElementById("app")!,
      props: { lab, settings, config: this.config, problems: [...this.config.problems, ...this.lessonProblems], onstart: () => void this.start() },
    });
    installTestHook(lab);
    if (!this.config.startOnClick) await this.start();
  }

  /** The lessons to show: a pack (downloaded, or sent by the page), else the site's own. */
  private async lessons(): Promise<Lesson[]> {
    const pack = this.config.pack;
    if (this.config.sandbox || !pack) return siteLessons;
    try {
      if (pack.from === "url") return await fetchPack(pack.url);
      const sent = await new Promise<Lesson[] | PackError>((resolve) => {
        this.packArrived = resolve;
        setTimeout(() => resolve(new PackError(`the page did not send its lesson pack within ${PACK_WAIT_MS / 1000} s`)), PACK_WAIT_MS);
      });
      this.packArrived = null;
      if (sent instanceof PackError) throw sent;
      return sent;
    } catch (e) {
      this.lessonProblems.push(e instanceof Error ? e.message : String(e));
      return [];
    }
  }

  private createLab(lessons: Lesson[]): Lab {
    const lesson = this.config.sandbox ? undefined : (findLesson(lessons, this.config.lesson) ?? lessons[0]);
    if (this.config.lesson && lesson && lesson.id !== this.config.lesson && lesson.folder !== this.config.lesson)
      this.lessonProblems.push(`there is no lesson "${this.config.lesson}"`);
    const store = reportingProgress((lessonId, stepId) => {
      const found = lessons.find((l) => l.id === lessonId);
      const index = found ? found.steps.findIndex((s) => s.id === stepId) : -1;
      this.bridge.send({ type: "step-passed", lesson: lessonId, step: stepId, index: index + 1 });
    });
    const lab = new Lab(this.connection, {
      lessons: lesson ? { all: lessons, start: { lesson, step: findStep(lesson, this.config.step) }, store } : undefined,
      // The page around the frame keeps the keyboard until the learner clicks into the lab.
      mayTakeFocus: () => false,
    });
    lab.machine.onReady(() => {
      const place = lab.curriculum?.place;
      this.bridge.send({ type: "ready", ...(place ? { lesson: { id: place.lesson.id, step: place.step + 1 } } : {}) });
    });
    for (const id of TERMINALS) {
      const terminal = lab.terminals[id];
      terminal.onPrompt((afterCommand) => {
        if (!afterCommand || terminal.atContinuation) return;
        const exitStatus = terminal.lastExitStatus;
        this.bridge.send({ type: "command-finished", terminal: id, ...(exitStatus === undefined ? {} : { exitStatus }) });
      });
    }
    // (through the lab, not a listener on the connection of its own: the first listener takes the
    // events of a start that began before the UI loaded, and a lab that missed them, a start
    // that was over by then, waited forever for a prompt it had been sent)
    lab.machine.onStatus((status) => {
      if (status === this.lastStatus) return;
      this.lastStatus = status;
      this.bridge.send({ type: "status", status });
    });
    return lab;
  }

  private requireLab(): Lab {
    if (!this.lab) throw new EmbedFailure("not-running", 'the lab is still loading: wait for its "ready" event');
    return this.lab;
  }

  private requireRunning(): Lab {
    const lab = this.requireLab();
    if (!lab.machine.isRunning) throw new EmbedFailure("not-running", `the machine is not running (${lab.machine.statusLabel.toLowerCase()})`);
    return lab;
  }

  /** Types a command into a shell; a machine still starting is waited for. */
  async run(command: string, terminal?: TerminalId): Promise<void> {
    const lab = this.requireLab();
    if (!lab.machine.isRunning) {
      const starting = this.started && !lab.machine.isPaused && !lab.machine.stopped && lab.machine.stage !== "failed";
      if (!starting) throw new EmbedFailure("not-running", `the machine is not running (${lab.machine.statusLabel.toLowerCase()})`);
      await this.whenReady(lab);
    }
    // (the page keeps the keyboard: the learner clicks into the lab to type)
    lab.runInTerminal(command, terminal ?? lab.lesson?.active.step.terminal ?? "main", { focus: false });
  }

  private whenReady(lab: Lab): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new EmbedFailure("not-running", "the machine did not become ready"));
      }, READY_WAIT_MS);
      const stop = lab.machine.onReady(() => {
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  open(lessonName: string, step?: number | string): void {
    const lab = this.requireLab();
    const curriculum = lab.curriculum;
    const lesson = curriculum ? findLesson(curriculum.lessons, lessonName) : undefined;
    if (!curriculum || !lesson) throw new EmbedFailure("no-such-lesson", `there is no lesson "${lessonName}" in this lab`);
    const index = step === undefined ? -1 : findStep(lesson, String(step));
    if (step !== undefined && index < 0) throw new EmbedFailure("no-such-lesson", `the lesson "${lesson.id}" has no step ${JSON.stringify(step)}`);
    lab.openLesson(lesson, index);
  }

  async start(): Promise<void> {
    const lab = this.requireLab();
    if (!this.started) {
      this.started = true;
      await lab.start();
    } else if (lab.machine.stopped || lab.machine.stage === "failed") await lab.startAgain();
  }

  async pause(): Promise<void> {
    await this.requireRunning().pause();
  }

  async resume(): Promise<void> {
    const lab = this.requireLab();
    if (!lab.machine.isPaused) throw new EmbedFailure("not-running", "the machine is not paused");
    await lab.resume();
  }

  async stop(): Promise<void> {
    const lab = this.requireLab();
    if (!this.started || lab.machine.stopped) return;
    await lab.stop();
  }

  async loadPack(value: unknown): Promise<void> {
    if (this.config.pack?.from !== "message" || this.lessonsTaken || !this.packArrived) {
      throw new EmbedFailure("bad-pack", "a lesson pack is sent once, before the lab starts, to a lab opened with pack=message");
    }
    let lessons: Lesson[];
    try {
      lessons = lessonsFromPack(value);
    } catch (e) {
      const error = e instanceof PackError ? e : new PackError(String(e));
      this.packArrived(error); // (the lab shows why, without the pack's lessons)
      throw new EmbedFailure("bad-pack", error.message);
    }
    this.packArrived(lessons);
  }
}

export function launchEmbed(connection: VmConnection, config: EmbedConfig): Promise<void> {
  return new EmbeddedLab(connection, config).launch();
}
