// The lab offline, as the learner sees it: whether it is being saved for offline use (and how
// far), whether it works offline now, whether the network is there, and a new version waiting
// for a reload. The service worker and the disk's fill (web/offline/) do the work; this only
// sequences them: the fill begins once the lab has started, and after a fill that stopped
// because the network went away, it resumes when the network comes back.
import { getContext, setContext } from "svelte";
import type { FillPlace } from "../offline/fill-remote";
import type { FillProgress } from "../offline/image-fill";
import type { ServiceWorkerControl, ServiceWorkerEvents } from "../offline/register";

export type OfflinePhase = "idle" | "saving" | "ready" | "paused" | "failed";

/** What OfflineState needs from the browser (the tests give a scripted one). */
export interface OfflineBackend {
  register(events: ServiceWorkerEvents): Promise<ServiceWorkerControl>;
  /** Stores what the cache lacks of the disk, and says where it ran; rejects with a FillError. */
  fill(onProgress: (progress: FillProgress) => void): Promise<FillPlace | void>;
  online(): boolean;
  /** Calls back when the network comes and goes; returns a disposer. */
  watchOnline(listener: (online: boolean) => void): () => void;
}

export class OfflineState {
  phase = $state<OfflinePhase>("idle");
  progress = $state<FillProgress | null>(null);
  /** A new version is installed: reload to use it. */
  updateReady = $state(false);
  online = $state(true);
  /** Where the disk's fill last ran: a worker of its own, or the page where none could start. */
  filledIn = $state<FillPlace | null>(null);
  /** Why saving for offline use stopped. */
  problem = $state<string | null>(null);
  percent = $derived(this.progress && this.progress.total > 0 ? Math.floor((100 * this.progress.stored) / this.progress.total) : 0);

  private control: ServiceWorkerControl | null = null;
  private started = false;
  private disposeOnline: (() => void) | null = null;

  constructor(private readonly backend: OfflineBackend) {
    this.online = backend.online();
  }

  /** Registers the service worker and saves the disk for offline use (once the lab runs). */
  async begin(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      this.control = await this.backend.register({
        updateReady: () => (this.updateReady = true),
        failed: (message) => this.stop("failed", `The lab could not be saved for offline use: ${message}`),
      });
    } catch (e) {
      this.stop("failed", `The lab could not be saved for offline use: ${(e as Error).message}`);
      return;
    }
    this.disposeOnline = this.backend.watchOnline((online) => {
      this.online = online;
      if (online && this.phase === "paused") void this.save();
    });
    await this.save();
  }

  private async save(): Promise<void> {
    this.phase = "saving";
    this.problem = null;
    try {
      const [, place] = await Promise.all([this.control!.active, this.backend.fill((progress) => (this.progress = progress))]);
      this.filledIn = typeof place === "string" ? place : null;
      this.phase = "ready";
    } catch (e) {
      const reason = (e as { reason?: string }).reason;
      if (reason === "offline") this.stop("paused", "Offline: the rest of the disk is saved when the network is back.");
      else this.stop("failed", `The lab could not be saved for offline use: ${(e as Error).message}`);
    }
  }

  private stop(phase: "paused" | "failed", problem: string): void {
    this.phase = phase;
    this.problem = problem;
  }

  applyUpdate(): Promise<void> {
    return this.control?.applyUpdate() ?? Promise.resolve();
  }

  dispose(): void {
    this.disposeOnline?.();
  }
}

const KEY = Symbol("offline");

export function setOffline(offline: OfflineState): void {
  setContext(KEY, offline);
}

/** The page's OfflineState; none in an embedded lab. */
export function useOffline(): OfflineState | undefined {
  return getContext<OfflineState | undefined>(KEY);
}
