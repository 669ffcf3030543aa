// The machine as the learner sees it: what start-up is doing (downloading, booting, ready),
// its status, and what failed, with retry and reset.
import type { BootPhase, StartResult, StartTimeline, StateSource, VmApi, VmErrorInfo, VmEvent, VmStatus } from "../../worker/api";
import { vmErrorInfo } from "../../worker/errors";

export type BootStage = "idle" | "downloading" | "booting" | "ready" | "failed";

interface Download {
  loaded: number;
  total: number;
}

const STATUS_LABELS: Record<VmStatus, string> = {
  stopped: "Stopped",
  starting: "Starting",
  running: "Running",
  busy: "Busy",
  paused: "Paused",
  error: "Error",
};

export class MachineState {
  status = $state<VmStatus>("stopped");
  stage = $state<BootStage>("idle");
  /** Why the machine failed (its status is "error"): start-up stops here and offers a retry. */
  error = $state<VmErrorInfo | null>(null);
  /** A problem the machine works around while it keeps going (a disk chunk being fetched again). */
  warning = $state<VmErrorInfo | null>(null);
  /** The machine was stopped on request (an embedding page asked): it starts again with start(). */
  stopped = $state(false);
  /** Whether the machine boots (or booted) from the pre-booted state or from its kernel. */
  bootFrom = $state<"state" | "kernel" | null>(null);
  bootMs = $state<number | null>(null);
  /** How the last start went, part by part (for the benchmark). */
  timeline: StartTimeline | null = null;
  /** Whether the last start's state was downloaded or the copy a first visit kept. */
  stateSource: StateSource | null = null;
  /** What the last start or reset gave (whether it resumed a snapshot, or why not). */
  lastStart = $state.raw<StartResult | null>(null);
  private downloads = $state<Record<string, Download>>({});

  downloaded = $derived(Object.values(this.downloads).reduce((sum, d) => sum + d.loaded, 0));
  downloadTotal = $derived(Object.values(this.downloads).reduce((sum, d) => sum + d.total, 0));
  isRunning = $derived(this.status === "running" || this.status === "busy");
  isPaused = $derived(this.status === "paused");
  statusLabel = $derived(STATUS_LABELS[this.status]);

  private readonly readyListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(status: VmStatus) => void>();

  constructor(
    private readonly api: VmApi,
    /** Starts the machine (the connection's start: it may already be under way). */
    private readonly startMachine: () => Promise<StartResult>,
  ) {}

  /** Every event from the machine goes through here. */
  handle(event: VmEvent): void {
    if (event.type === "status") {
      this.status = event.status;
      if (event.status === "error") this.stage = "failed";
      for (const listener of this.statusListeners) listener(event.status);
    } else if (event.type === "progress") this.advance(event.progress);
    else if (event.type === "error") {
      // A failed call says what failed on its rejection; an error event while the status is
      // "error" is the connection's own (a worker that could not load never answers), and any
      // other is about something the machine is retrying.
      if (this.status === "error") {
        this.error = event.error;
        this.stage = "failed";
      } else this.warning = event.error;
    }
  }

  dismissWarning(): void {
    this.warning = null;
  }

  private advance(progress: BootPhase): void {
    if (this.stage === "failed") return; // (news of a start that has failed already)
    if (progress.phase === "download") {
      this.stage = "downloading";
      this.downloads[progress.file] = { loaded: progress.loaded, total: progress.total };
    } else if (progress.phase === "booting") {
      this.stage = "booting";
      this.bootFrom = progress.from;
    } else {
      this.stage = "ready";
      this.bootFrom = progress.from;
      this.bootMs = progress.elapsedMs;
      this.timeline = progress.timeline;
      for (const listener of this.readyListeners) listener();
    }
  }

  /** Called each time the machine becomes ready (after start, retry and reset). */
  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /**
   * Called with each status the machine reports, from the events this state was given (those
   * that came before the page listened included): an embed reports them to its page from here,
   * not from a listener of its own on the connection, which would take the early events' backlog.
   */
  onStatus(listener: (status: VmStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Starts the machine; false when it failed (then `error` says why). Also the retry. */
  async start(): Promise<boolean> {
    this.stopped = false;
    this.error = null;
    this.warning = null;
    this.downloads = {};
    this.stage = "downloading";
    return this.attempt(async () => {
      this.lastStart = await this.startMachine();
      this.stateSource = this.lastStart.stateSource ?? null;
    });
  }

  /** Halts the machine's processor, keeping everything (see VmApi.pause). */
  async pause(): Promise<void> {
    await this.api.pause();
  }

  async resume(): Promise<void> {
    await this.api.resume();
  }

  /** Ends the machine (its memory is freed); start() boots a new one. */
  async stop(): Promise<void> {
    await this.api.stop();
    this.stopped = true;
    this.stage = "idle";
  }

  /** Back to a freshly booted machine. */
  async reset(): Promise<boolean> {
    this.error = null;
    this.warning = null;
    this.stage = "booting";
    return this.attempt(async () => {
      this.lastStart = await this.api.reset();
    });
  }

  private async attempt(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (e) {
      this.error = vmErrorInfo(e);
      this.stage = "failed";
      return false;
    }
  }
}
