// The kernel view's state: the latest snapshot of the guest from contained-inspect, refreshed
// about once a second over the control channel while the panel is open and the page visible,
// and not at all otherwise; and as soon as a learner's command ends (its shell shows the prompt),
// so what it changed shows at once. One refresh at a time; after a slow one (a busy guest, a
// queue of lesson checks) the next waits several times as long, so the view never takes more
// than a tenth of the channel or the guest's CPU. The selected process's details (mounts, id maps,
// cgroup files) cost the guest more: they come with the refresh right after a selection, then
// with every fifth.
import { tick } from "svelte";
import type { ExecOptions, ExecResult } from "../../worker/api";
import { inspectCommand } from "../inspect/command";
import type { Highlight } from "../inspect/highlight";
import type { KernelSnapshot, ProcessDetail } from "../inspect/model";
import { parseSnapshot } from "../inspect/parse";
import { picture } from "../inspect/picture";

export const REFRESH_MS = 1000;
/** After each refresh, wait at least this many times as long as it took. */
const SLOW_FACTOR = 9;
const INSPECT_TIMEOUT_MS = 5000;
const DETAIL_EVERY = 5;
/** How often a machine without the program is asked again (the learner may install it). */
const MISSING_RETRY_MS = 10_000;
const ERROR_RETRY_MS = 5000;
/** A command's end refreshes at once unless the last refresh began this recently. */
const MIN_GAP_MS = 250;

export type KernelViewStatus = "waiting" | "ready" | "missing" | "error";
export type KernelViewMode = "diagram" | "table";

/** What the last refresh cost. */
export interface RefreshCost {
  /** The inspector's CPU time in the guest. */
  guestCpuUs: number;
  /** exec call to answer, as the page saw it. */
  roundTripMs: number;
  /** The answer's size (the wire carries it base64-encoded: 4/3 of this). */
  bytes: number;
  /** Parsing it and updating the page. */
  parseAndRenderMs: number;
}

export interface KernelViewOptions {
  exec: (command: string, options?: ExecOptions) => Promise<ExecResult>;
  /** Whether the machine can run a command now. */
  canRun: () => boolean;
  /** What the lesson step open asks the view to point at. */
  highlight?: () => Highlight | null;
  intervalMs?: number;
}

export class KernelView {
  snapshot = $state.raw<KernelSnapshot | null>(null);
  detail = $state.raw<ProcessDetail | null>(null);
  status = $state<KernelViewStatus>("waiting");
  error = $state<string | null>(null);
  /** The panel is shown. */
  open = $state(false);
  showLab = $state(false);
  mode = $state<KernelViewMode>("diagram");
  selected = $state<number | null>(null);
  lastCost = $state.raw<RefreshCost | null>(null);
  /** performance.now() of the last good refresh. */
  updatedAt = $state<number | null>(null);
  /** Refreshes that drew a new picture. */
  refreshCount = $state(0);
  picture = $derived(this.snapshot ? picture(this.snapshot, { showLab: this.showLab }) : null);
  highlight = $derived.by(() => this.options.highlight?.() ?? null);

  private pageVisible = true;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private refreshes = 0;
  private detailDue = false;
  private lastStart = -Infinity;
  private nextDelay = 0;
  private again = false;
  private disposed = false;

  constructor(private readonly options: KernelViewOptions) {}

  private get intervalMs(): number {
    return this.options.intervalMs ?? REFRESH_MS;
  }

  /** Whether refreshes run now. */
  get active(): boolean {
    return this.open && this.pageVisible && !this.disposed && this.options.canRun();
  }

  setOpen(open: boolean): void {
    this.open = open;
    this.wake();
  }

  setPageVisible(visible: boolean): void {
    this.pageVisible = visible;
    this.wake();
  }

  /** Shows or hides the lab's processes (the kernel threads among them are read only while shown). */
  setShowLab(show: boolean): void {
    this.showLab = show;
    if (show) this.refreshSoon();
  }

  setMode(mode: KernelViewMode): void {
    this.mode = mode;
  }

  /** Selects a process (null: none) and fetches its details at once. */
  select(pid: number | null): void {
    this.selected = pid;
    this.detail = null;
    if (pid === null) return;
    this.detailDue = true;
    if (this.active && !this.inFlight) {
      this.cancelTimer();
      void this.refresh();
    }
  }

  /**
   * A learner's command ended: refresh now (or right after the one running) to show what it did.
   * On a machine without the inspector too: the command may have installed it.
   */
  commandEnded(): void {
    this.refreshSoon();
  }

  private refreshSoon(): void {
    if (!this.active) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.nextDelay = Math.min(this.nextDelay, MIN_GAP_MS);
    this.wake();
  }

  /** Refreshes when due: call when anything that `active` depends on may have changed (the machine became ready). */
  wake(): void {
    this.cancelTimer();
    if (!this.active || this.inFlight) return;
    const wait = this.lastStart + this.nextDelay - performance.now();
    if (wait <= 0) void this.refresh();
    else this.timer = setTimeout(() => void this.refresh(), wait);
  }

  /** The machine was replaced (a reset): its processes are not the ones selected. */
  machineReplaced(): void {
    this.select(null);
    this.snapshot = null;
    this.status = "waiting";
    this.nextDelay = 0;
  }

  /** One refresh now, unless one is running (then that one's promise). */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.cancelTimer();
    this.inFlight = this.refreshOnce().finally(() => {
      this.inFlight = null;
      if (this.again) this.nextDelay = Math.min(this.nextDelay, MIN_GAP_MS);
      this.again = false;
      this.wake();
    });
    return this.inFlight;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async refreshOnce(): Promise<void> {
    const pid = this.selected !== null && (this.detailDue || this.refreshes % DETAIL_EVERY === 0) ? this.selected : undefined;
    this.refreshes++;
    const started = performance.now();
    this.lastStart = started;
    let result: ExecResult;
    try {
      result = await this.options.exec(inspectCommand({ all: this.showLab, pid }), { timeoutMs: INSPECT_TIMEOUT_MS });
    } catch (e) {
      return this.failed(`The machine did not answer: ${(e as Error).message}`, ERROR_RETRY_MS);
    }
    const roundTripMs = performance.now() - started;
    if (result.status !== "ok") return this.failed(`The machine took over ${INSPECT_TIMEOUT_MS / 1000} s to answer; trying again shortly.`, ERROR_RETRY_MS);
    if (result.exitCode === 127) {
      this.status = "missing";
      this.error = null;
      this.nextDelay = MISSING_RETRY_MS;
      return;
    }
    if (result.exitCode !== 0)
      return this.failed(`contained-inspect failed (exit status ${result.exitCode}): ${result.stderr.trim() || "no message"}`, ERROR_RETRY_MS);
    const parseStart = performance.now();
    let snapshot: KernelSnapshot;
    try {
      snapshot = parseSnapshot(result.stdout);
    } catch (e) {
      return this.failed((e as Error).message, ERROR_RETRY_MS);
    }
    this.snapshot = snapshot;
    if (pid !== undefined && pid === this.selected && snapshot.detail) {
      this.detail = snapshot.detail;
      this.detailDue = false;
    }
    this.status = "ready";
    this.error = null;
    this.updatedAt = performance.now();
    await tick(); // the page has drawn it
    this.refreshCount++;
    this.lastCost = { guestCpuUs: snapshot.cpuUs, roundTripMs, bytes: result.stdoutBytes.length, parseAndRenderMs: performance.now() - parseStart };
    this.nextDelay = Math.max(this.intervalMs, SLOW_FACTOR * roundTripMs + roundTripMs);
  }

  private failed(message: string, retryMs: number): void {
    this.status = "error";
    this.error = message;
    this.nextDelay = retryMs;
  }
}
