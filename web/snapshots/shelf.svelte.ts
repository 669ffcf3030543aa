// The learner's snapshots as the page shows them: the list, storage used, and the actions (save,
// restore, rename, delete, export, import), each failure told by its code. The machine does the
// work (VmApi); this keeps what the page shows of it, and the id of the latest automatic
// snapshot that the next visit resumes from.
import type { RestoredSnapshot, SaveTimeline, SnapshotRequest, SnapshotSummary, StorageEstimate, VmApi, VmErrorInfo } from "../../worker/api";
import { vmErrorInfo } from "../../worker/errors";
import { snapshotMessage, type SnapshotAction } from "./messages";
import { LATEST_KEY, type KeyValue } from "./tab-lock";

/** What the lab adds to a snapshot: where the learner is, the lesson's state, the screens. */
export type SnapshotContext = Omit<SnapshotRequest, "name" | "kind">;

export interface SnapshotShelfOptions {
  api: VmApi;
  /** Whether this tab owns the learner's automatic snapshots (see tab-lock.ts). */
  owner: boolean;
  storage: KeyValue | null;
  context: () => SnapshotContext;
  /** The machine was put back as a snapshot saved it: show its lesson and screens. */
  restored: (restored: RestoredSnapshot) => void;
  /** Hands a file to the learner (a download). */
  download: (bytes: Uint8Array, name: string) => void;
  /** navigator.storage.persist(), where there is one. */
  persist?: () => Promise<boolean>;
}

/** An automatic save taken as a step passed is named "Start of step N". */
export const CHECKPOINT_PREFIX = "Start of step ";

export type Persistence = "unasked" | "granted" | "refused" | "unavailable";

export class SnapshotShelf {
  list = $state.raw<SnapshotSummary[]>([]);
  estimate = $state.raw<StorageEstimate | null>(null);
  /** What is being done now ("Saving…"), or null. */
  working = $state<string | null>(null);
  /** Why the last action failed, for the learner. */
  error = $state<string | null>(null);
  /** What the last action did ("Saved “before chroot”"). */
  notice = $state<string | null>(null);
  /** The machine started from the learner's last automatic snapshot: when that was saved. */
  resumedFrom = $state<SnapshotSummary | null>(null);
  /** Why the machine did not resume (and started fresh). */
  resumeError = $state<string | null>(null);
  persistence = $state<Persistence>("unasked");
  /** Whether this tab owns the learner's automatic snapshots (see tab-lock.ts); a second tab becomes the owner when the first closes. */
  owner = $state(false);
  /** This tab became the owner after it opened (the tab that owned the lab closed). */
  tookOver = $state(false);
  /** The last automatic save: when it began (performance.now()), how long it took, ms, and its parts (the benchmark reads it). */
  lastAutosave: { startedAt: number; ms: number; timeline: SaveTimeline } | null = null;
  private checkpointDue = false;
  /**
   * After a full storage refused an automatic save, the lab stops trying (each try costs a
   * whole save) until the learner frees space (a delete) or a save by name succeeds.
   */
  autosavePaused = $state(false);

  constructor(private readonly options: SnapshotShelfOptions) {
    this.owner = options.owner;
  }

  /** The tab that owned the lab closed: this one saves automatically from now on (and is the one the next visit resumes). */
  becameOwner(): void {
    if (this.owner) return;
    this.owner = true;
    this.tookOver = true;
  }

  /**
   * Where the learner can go back to in a lesson: per step, the checkpoint of its start, else
   * (pruned: the machine keeps the newest automatic snapshot of each step) the newest of it.
   */
  checkpoints(lesson: string): Array<{ step: number; id: string; start: boolean }> {
    const byStep = new Map<number, { step: number; id: string; start: boolean }>();
    for (const s of this.list) {
      if (s.kind !== "auto" || !s.matchesImage || s.place?.lesson !== lesson) continue;
      const start = s.name.startsWith(CHECKPOINT_PREFIX);
      const known = byStep.get(s.place.step);
      if (!known || (start && !known.start)) byStep.set(s.place.step, { step: s.place.step, id: s.id, start });
    }
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }

  async refresh(): Promise<void> {
    try {
      const [list, estimate] = await Promise.all([this.options.api.listSnapshots(), this.options.api.storageEstimate()]);
      this.list = list;
      this.estimate = estimate;
      if (estimate.persisted) this.persistence = "granted";
    } catch (e) {
      this.fail("list", e);
    }
  }

  /** Resolves once the work after the saves is done (VmApi.snapshotsCompacted): the sizes listed are final then. */
  compacted(): Promise<void> {
    return this.options.api.snapshotsCompacted();
  }

  /** A step was passed: the next automatic save is the checkpoint of the next step's start. */
  stepPassed(): void {
    this.checkpointDue = true;
  }

  /** An automatic save (the autosave scheduler's). Rejects when it fails, after saying why. */
  async autosave(): Promise<void> {
    const started = performance.now();
    const context = this.options.context();
    const name = this.checkpointDue && context.place ? `${CHECKPOINT_PREFIX}${context.place.step + 1}` : "Automatic";
    this.checkpointDue = false;
    try {
      const saved = await this.options.api.saveSnapshot({ ...context, name, kind: "auto" });
      this.lastAutosave = { startedAt: started, ms: performance.now() - started, timeline: saved.timeline };
      this.setLatest(saved.id);
      if (this.error?.startsWith("The browser's storage")) this.error = null;
    } catch (e) {
      this.fail("autosave", e);
      if (vmErrorInfo(e).code === "quota-exceeded") this.autosavePaused = true;
      throw e;
    }
    await this.requestPersistence();
    await this.refresh();
  }

  save(name: string): Promise<boolean> {
    const label = name.trim() || "Snapshot";
    return this.act("save", "Saving…", async () => {
      await this.options.api.saveSnapshot({ ...this.options.context(), name: label, kind: "named" });
      this.notice = `Saved “${label}”.`;
      this.autosavePaused = false;
      await this.requestPersistence();
    });
  }

  restore(id: string): Promise<boolean> {
    return this.act("restore", "Restoring…", async () => {
      const restored = await this.options.api.restoreSnapshot(id);
      this.setLatest(id);
      this.resumedFrom = null;
      this.options.restored(restored);
      this.notice = `Restored “${restored.summary.name}” (${when(restored.summary.createdAt)}).`;
    });
  }

  rename(id: string, name: string): Promise<boolean> {
    if (!name.trim()) return Promise.resolve(false);
    return this.act("rename", null, () => this.options.api.renameSnapshot(id, name.trim()));
  }

  remove(id: string): Promise<boolean> {
    return this.act("delete", null, async () => {
      await this.options.api.deleteSnapshot(id);
      if (this.latest() === id) this.setLatest(null);
      this.autosavePaused = false;
    });
  }

  exportFile(id: string): Promise<boolean> {
    return this.act("export", "Exporting…", async () => {
      const summary = this.list.find((s) => s.id === id);
      const bytes = await this.options.api.exportSnapshot(id);
      this.options.download(bytes, `${fileName(summary?.name ?? "snapshot")}.contained-snapshot`);
    });
  }

  importFile(bytes: Uint8Array): Promise<boolean> {
    return this.act("import", "Importing…", async () => {
      const summary = await this.options.api.importSnapshot(bytes);
      this.notice = `Imported “${summary.name}”: restore it to use it.`;
    });
  }

  /** What start() said about the snapshot it was asked to resume. */
  started(resumed: RestoredSnapshot | undefined, error: VmErrorInfo | undefined): void {
    if (resumed) this.resumedFrom = resumed.summary;
    if (error) {
      this.resumeError = `Could not resume your machine, so it started fresh: ${snapshotMessage("resume", error)}`;
      this.setLatest(null);
    }
  }

  /** The learner chose a fresh machine (or reset it): nothing to resume any more. */
  forgetLatest(): void {
    this.setLatest(null);
    this.resumedFrom = null;
  }

  dismiss(): void {
    this.error = null;
    this.notice = null;
    this.resumeError = null;
    this.resumedFrom = null;
  }

  /** Asked once, when the learner first keeps something (the browser may prompt for it). */
  private async requestPersistence(): Promise<void> {
    if (this.persistence !== "unasked") return;
    if (!this.options.persist) {
      this.persistence = "unavailable";
      return;
    }
    this.persistence = (await this.options.persist().catch(() => false)) ? "granted" : "refused";
  }

  private async act(action: SnapshotAction, working: string | null, run: () => Promise<unknown>): Promise<boolean> {
    this.error = null;
    this.notice = null;
    this.working = working;
    try {
      await run();
      return true;
    } catch (e) {
      this.fail(action, e);
      return false;
    } finally {
      this.working = null;
      await this.refresh();
    }
  }

  private fail(action: SnapshotAction, e: unknown): void {
    const error = vmErrorInfo(e);
    this.error = snapshotMessage(action, error);
    // no storage here at all (a frame of another site): an automatic save could only fail again
    if (error.code === "storage-unavailable") this.autosavePaused = true;
  }

  private latest(): string | null {
    try {
      return this.options.storage?.getItem(LATEST_KEY) ?? null;
    } catch {
      return null;
    }
  }

  private setLatest(id: string | null): void {
    if (!this.owner) return; // (the owning tab's machine is the one to resume)
    try {
      if (id) this.options.storage?.setItem(LATEST_KEY, id);
      else this.options.storage?.removeItem(LATEST_KEY);
    } catch {
      // storage refused: the next visit starts fresh
    }
  }
}

/** "a moment ago", "2 minutes ago", "yesterday", ... */
export function when(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  if (seconds < 45) return "a moment ago";
  if (seconds < 3600) return format.format(-Math.round(seconds / 60), "minute");
  if (seconds < 86400) return format.format(-Math.round(seconds / 3600), "hour");
  return format.format(-Math.round(seconds / 86400), "day");
}

function fileName(name: string): string {
  return name.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "snapshot";
}
