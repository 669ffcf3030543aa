// What the page tells tests and benchmarks about itself: `window.__contained`. Read-only views
// of the lab's state, so tests wait on real signals (text on a screen, a size the guest knows).
import type { RestoreTimeline, SaveTimeline, SnapshotSummary, StartTimeline, StateSource, TerminalId, VmStatus } from "../worker/api";
import type { RefreshCost } from "./state/kernel-view.svelte";
import type { Lab } from "./state/lab.svelte";
import type { OfflinePhase, OfflineState } from "./state/offline.svelte";
import type { BootStage } from "./state/machine.svelte";
import type { CheckStatus } from "./state/lesson.svelte";
import type { TerminalSize } from "./terminal/session.svelte";
import type { RendererKind } from "./terminal/renderer";
import type { FillPlace } from "./offline/fill-remote";

export interface ContainedHook {
  terminalText(id: TerminalId): string;
  /** The terminal's size on screen (rows, cols). */
  screenSize(id: TerminalId): TerminalSize | null;
  /** The size the guest's tty was last told, once it acknowledged. */
  guestSize(id: TerminalId): TerminalSize | null;
  /** Bytes a terminal got from the guest, how many its screen has taken in, and when it last took some (performance.now()). */
  output(id: TerminalId): { received: number; drawn: number; drawnAt: number };
  /** The benchmark's guest ceiling: while on, a terminal's output is counted as drawn at once and not drawn. */
  discardOutput(id: TerminalId, on: boolean): void;
  /** What draws a terminal's screen. */
  renderer(id: TerminalId): RendererKind | null;
  status(): VmStatus;
  stage(): BootStage;
  /** Whether the machine booted from the pre-booted state or from its kernel. */
  bootFrom(): "state" | "kernel" | null;
  stepStatus(stepId: string): CheckStatus | null;
  /** The lesson open and its step's number (from 1). */
  lesson(): { id: string; step: number } | null;
  /** Whether the pre-booted state was downloaded or taken from the copy a first visit kept. */
  stateSource(): StateSource | null;
  /** How the last start went, part by part (ms since the worker's start() began). */
  startTimeline(): StartTimeline | null;
  /** How the last start's resume went (ms: the wait for its state, putting it together, the machine from it; from its whole copy or its blocks), if it resumed. */
  resumeTimeline(): RestoreTimeline | null;
  /** The snapshots the page lists, and the one the machine resumed from. */
  snapshots(): SnapshotSummary[];
  resumedFrom(): string | null;
  /** Whether something ran since the last automatic save; how long the last one took (ms). */
  autosavePending(): boolean;
  lastAutosave(): { startedAt: number; ms: number; timeline: SaveTimeline } | null;
  /** Resolves once the work after the saves is done: their blocks compressed (a save writes them raw), the latest automatic one's whole copy kept. */
  snapshotsCompacted(): Promise<void>;
  /** What the kernel view's last refresh cost, and how many it has made. */
  kernelView(): { status: string; cost: RefreshCost | null; refreshes: number };
  /** This build's id (vite.config.ts). */
  build(): string;
  /** Saving the lab for offline use (null where the browser cannot). */
  offline(): { phase: OfflinePhase; stored: number; total: number; updateReady: boolean; filledIn: FillPlace | null } | null;
}

declare global {
  interface Window {
    __contained?: ContainedHook;
  }
}

export function installTestHook(lab: Lab, offline?: OfflineState): void {
  window.__contained = {
    terminalText: (id) => lab.terminals[id].text(),
    screenSize: (id) => lab.terminals[id].screenSize,
    guestSize: (id) => lab.terminals[id].guestSize,
    output: (id) => ({ ...lab.terminals[id].output }),
    discardOutput: (id, on) => (lab.terminals[id].discardOutput = on),
    renderer: (id) => lab.terminals[id].renderer,
    status: () => lab.machine.status,
    stage: () => lab.machine.stage,
    bootFrom: () => lab.machine.bootFrom,
    stepStatus: (stepId) => lab.lesson?.steps.find((s) => s.step.id === stepId)?.status ?? null,
    lesson: () => (lab.curriculum ? { id: lab.curriculum.place.lesson.id, step: lab.curriculum.place.step + 1 } : null),
    startTimeline: () => lab.machine.timeline,
    resumeTimeline: () => lab.machine.lastStart?.resumed?.timeline ?? null,
    stateSource: () => lab.machine.stateSource,
    snapshots: () => lab.snapshots.list,
    resumedFrom: () => lab.snapshots.resumedFrom?.id ?? null,
    autosavePending: () => lab.autosave.pending || lab.autosave.saving,
    lastAutosave: () => lab.snapshots.lastAutosave,
    snapshotsCompacted: () => lab.snapshots.compacted(),
    kernelView: () => ({ status: lab.kernelView.status, cost: lab.kernelView.lastCost, refreshes: lab.kernelView.refreshCount }),
    build: () => __CONTAINED_BUILD__,
    offline: () =>
      offline
        ? {
            phase: offline.phase,
            stored: offline.progress?.stored ?? 0,
            total: offline.progress?.total ?? 0,
            updateReady: offline.updateReady,
            filledIn: offline.filledIn,
          }
        : null,
  };
}
