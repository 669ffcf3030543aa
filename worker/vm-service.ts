// The implementation of VmApi: the machine's life (start, reset, stop) and its status and
// events. What a machine boots from is boot-files.ts's; what exists while one runs (control
// channel, terminals, busy sampling) is running-machine.ts's; snapshots are snapshots.ts's.
import { transfer } from "comlink";
import type {
  CompiledWasm,
  ExecOptions,
  ExecResult,
  RestoredSnapshot,
  SavedSnapshot,
  SnapshotRequest,
  SnapshotSummary,
  StartOptions,
  StartResult,
  StartTimeline,
  StorageEstimate,
  TerminalId,
  VmApi,
  VmEvent,
  VmStatus,
} from "./api";
import type { Progress } from "./artifacts";
import type { KeptState } from "./state-cache";
import { keepStateForNextVisit, loadBootFiles, loadCheckedState, loadMachineModule, loadManifest, loadPrebootedState, type StateCandidate } from "./boot-files";
import { VmError, toVmError } from "./errors";
import type { Machine } from "./machine";
import { hasCurrentState, type Manifest, type StateEntry } from "./manifest";
import { throttled } from "./progress";
import { fromBase64 } from "./protocol";
import { RunningMachine } from "./running-machine";
import { ramlessOf } from "./ramless-state";
import { baseLoader, copyResume, readForResume, resumeState, startedFrom, type Loaded, type Resume } from "./resume";
import { dropResumeCopy, resumeCopy, resumeCopyWritten } from "./resume-copy";
import { compressInPlace } from "./block-compressor";
import { compactBlocks, compacted } from "./snapshot-compaction";
import * as store from "./snapshot-store";
import * as snapshots from "./snapshots";

export { loadMachineModule };

export class VmService implements VmApi {
  private listeners = new Map<number, (event: VmEvent) => void>();
  private nextListenerId = 1;
  private currentStatus: VmStatus = "stopped";
  private loaded: Loaded | null = null;
  private running: RunningMachine | null = null;
  /** The pre-booted state named by a snapshot, loaded if this machine did not start from it. */
  private readonly baseState = baseLoader(() => this.loaded);

  /** `stores`: where snapshots are kept (the browser's IndexedDB unless a test gives others). */
  constructor(private readonly stores: () => store.SnapshotStores = store.defaultStores) {}

  async subscribe(listener: (event: VmEvent) => void): Promise<number> {
    const id = this.nextListenerId++;
    this.listeners.set(id, listener);
    listener({ type: "status", status: this.currentStatus });
    return id;
  }

  async unsubscribe(id: number): Promise<void> {
    this.listeners.delete(id);
  }

  async status(): Promise<VmStatus> {
    return this.currentStatus;
  }

  private emit(event: VmEvent): void {
    for (const listener of this.listeners.values()) {
      try {
        listener(event);
      } catch {
        // a listener that throws (or a UI that went away) must not stop the machine
      }
    }
  }

  private setStatus(status: VmStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit({ type: "status", status });
  }

  /** A start or reset failed: the status says so, and the rejection says what failed. */
  private fail(e: unknown): never {
    this.setStatus("error");
    throw toVmError(e);
  }

  async start(options: StartOptions, compiled?: CompiledWasm): Promise<StartResult> {
    if (this.running) await this.stop();
    this.setStatus("starting");
    try {
      return await this.startFrom(options, compiled, true).catch(async (e: unknown) => {
        if (!(e instanceof CopyRefused)) throw e;
        await dropResumeCopy(); // (damaged, or not this snapshot's: the resume reads its blocks)
        return this.startFrom(options, compiled, false);
      });
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * A start. A resume reads the snapshot's whole copy if there is one (resume-copy.ts), and then
   * neither its blocks nor the pre-booted state, which is loaded after the prompt (`base`).
   */
  private async startFrom(options: StartOptions, compiled: CompiledWasm | undefined, useCopy: boolean): Promise<StartResult> {
    const t0 = performance.now();
    let noCopy!: (blocksWanted: boolean) => void;
    const blocksWanted = new Promise<boolean>((resolve) => (noCopy = resolve));
    const reading = options.resume ? readForResume(options.resume, this.stores(), blocksWanted) : undefined;
    const manifest = await loadManifest(options.imagesBase);
    const manifestAt = performance.now() - t0;
    // (read once the manifest is in, as a fresh start reads the kept pre-booted state: begun
    // before, its synchronous read held up the manifest and the compiled wasm)
    const copying =
      useCopy && options.resume && options.from !== "kernel" && hasCurrentState(manifest) ? readCopy(options.resume, t0) : Promise.resolve(undefined);
    void copying.then((copy) => noCopy(!copy));
    const booting = loadBootFiles(manifest, options, (file) => this.downloadProgress(file), t0, compiled, copying.then(Boolean));
    const [copy, { files, unchecked, times }] = await Promise.all([copying, booting]);
    const loaded: Loaded = { manifest, options, files };
    this.loaded = loaded;
    let resume: Resume | undefined;
    if (reading && copy) {
      resume = (await copyResume(reading, copy, manifest)) ?? undefined;
      if (!resume || "error" in resume) throw new CopyRefused();
      times.boot = copy.at;
    } else if (reading && files.state) resume = await resumeState(reading, loaded, unchecked);
    const result = await this.boot(loaded, t0, { manifest: manifestAt, ...times }, unchecked, resume);
    if (copy && manifest.state) loaded.base = loadBaseLater(loaded, manifest.state);
    return result;
  }

  /** Download progress for the UI, while the machine starts (downloads still under way when another file failed keep going, quietly). */
  private downloadProgress(file: string): Progress {
    return throttled(
      (loaded, total) => this.currentStatus === "starting" && this.emit({ type: "progress", progress: { phase: "download", file, loaded, total } }),
    );
  }

  /**
   * Creates the machine from the files and waits for it to be ready. From a state whose check
   * is still running (`unchecked`), the machine restores meanwhile; if the check fails, that
   * machine is thrown away and the state is loaded again, checked first.
   */
  private async boot(
    loaded: Loaded,
    t0: number,
    before: Omit<StartTimeline, "calledAt" | "machine" | "agent">,
    unchecked?: StateCandidate,
    resume?: Resume,
  ): Promise<StartResult> {
    const { manifest, options, files } = loaded;
    const from = files.state || (resume && "state" in resume) ? "state" : "kernel";
    this.emit({ type: "progress", progress: { phase: "booting", from } });
    let stateSource = unchecked?.source;
    const problem = unchecked?.problem;
    let resumeError = resume && "error" in resume ? resume.error : undefined;
    let resumed: RestoredSnapshot | undefined;
    let machine: Machine | null = null;
    if (resume && "state" in resume) {
      const t = performance.now();
      const problem = resume.problem.then((p) => p && p.message);
      machine = await this.createMachine({ ...loaded, files: { ...files, state: resume.state.state, ram: resume.state } }, problem).catch((e: Error) => {
        resumeError = { code: "bad-state", message: `the snapshot could not be restored (${e.message}); the machine started fresh` };
        return null;
      });
      if (!machine) resumeError ??= (await resume.problem) ?? undefined;
      if (machine)
        resumed = snapshots.restored(resume.record, snapshots.identity(manifest), {
          read: resume.read,
          assemble: resume.assemble,
          restore: performance.now() - t,
          from: resume.from,
        });
    }
    if (!machine && !files.state && from === "state") throw new CopyRefused(); // (from a copy, with no pre-booted state here to fall back on)
    if (!machine) machine = typeof problem === "string" ? null : await this.createMachine(loaded, problem);
    if (!machine && manifest.state) {
      files.state = await loadCheckedState(options.imagesBase, manifest.state, files.wasm, this.downloadProgress("state"));
      stateSource = "download";
      machine = await this.createMachine(loaded);
    }
    if (!machine) throw new VmError("internal", "the machine could not be created");
    const running = new RunningMachine(
      machine,
      manifest,
      {
        output: (terminal, data) => this.emit({ type: "output", terminal, data }),
        busy: (busy) => (this.currentStatus === "running" || this.currentStatus === "busy") && this.setStatus(busy ? "busy" : "running"),
      },
      { pacedOutput: options.pacedOutput ?? false, dropWhenIdle: options.autosaves ?? false },
    );
    this.running = running;
    const machineAt = performance.now() - t0;
    await running.agentReady(from);
    if (from === "state" && !resumed) this.replayScreens(manifest); // (a snapshot's screens are the page's to show)
    const elapsedMs = performance.now() - t0;
    this.setStatus("running");
    const timeline = { calledAt: performance.timeOrigin + t0, ...before, machine: machineAt, agent: elapsedMs };
    this.emit({ type: "progress", progress: { phase: "ready", from, elapsedMs, timeline } });
    if (stateSource === "download" && unchecked && manifest.state && files.state) keepStateForNextVisit(manifest.state, files.state);
    this.prepareSnapshots();
    return { from, elapsedMs, stateSource, ...(resumed ? { resumed } : {}), ...(resumeError ? { resumeError } : {}) };
  }

  /**
   * Once the machine is up: its RAM read once (Machine.touchRam), and where the base's blocks
   * are, so the first save need not do either (~0.1 s each); and the blocks an earlier visit's
   * last saves left raw, compressed (a closed tab cuts that pass short).
   */
  private prepareSnapshots(): void {
    const loaded = this.loaded;
    const machine = this.running?.machine;
    setTimeout(async () => {
      void machine?.touchRam();
      await loaded?.base;
      const base = startedFrom(loaded);
      if (base) void snapshots.placesOf(base);
      try {
        void compactBlocks(this.stores());
      } catch {
        // no storage here (Node without IndexedDB): nothing to compress
      }
    }, 2000);
  }

  /** A machine from the files; null (and no machine) when `problem` resolves to one. */
  private async createMachine({ manifest, options, files }: Loaded, problem: Promise<string | null> = Promise.resolve(null)): Promise<Machine | null> {
    const abort = new AbortController();
    const { Machine } = await loadMachineModule();
    // (a state given whole: RAM's pages copied from it, not out of it: see ramless-state.ts)
    const ramless = files.state && !files.ram ? ramlessOf(files.state) : null;
    if (ramless) files = { ...files, state: ramless.state, ram: ramless };
    const onDiskError = (message: string) => this.emit({ type: "error", error: { code: "download-failed", message } });
    const creating = Machine.create(manifest, options.imagesBase, files, onDiskError, { signal: abort.signal });
    creating.catch(() => {}); // (a failure is the caller's, through the promise returned)
    if ((await problem) === null) return creating;
    abort.abort(new Error("the state was not the right one"));
    await creating.then(
      (machine) => machine.destroy(),
      () => {},
    );
    return null;
  }

  /** A pre-booted state's terminals already printed their prompts: show the learner the same. */
  private replayScreens(manifest: Manifest): void {
    for (const [terminal, text] of Object.entries(manifest.state?.screens ?? {}) as Array<[TerminalId, string]>) {
      if (text) this.emit({ type: "output", terminal, data: fromBase64(text) });
    }
  }

  private requireRunning(): RunningMachine {
    if (!this.running) throw new VmError("not-running", "the machine is not running");
    return this.running;
  }

  /** The raw v86 state, for scripts/preboot.ts (not part of VmApi). */
  async saveRawState(): Promise<Uint8Array> {
    return this.requireRunning().machine.save();
  }

  /** Puts back a raw v86 state saveRawState() took (the bench: the same machine for each of its runs). */
  async restoreRawState(state: Uint8Array): Promise<void> {
    await this.requireRunning().restoreRaw(state);
  }

  /**
   * For the bench's A/B: how a save gives back the page cache (`"clean"`, `echo 1`; or
   * `"sync-all"`, `sync; echo 3`, as before), whether its blocks are compressed in place, and
   * whether in the save itself (as before) or by the pass after it (now).
   */
  async benchSaveVariant(variant: { release: "clean" | "sync-all"; compressInPlace: boolean; compressInSave?: boolean }): Promise<void> {
    this.requireRunning().releaseCommand = variant.release === "clean" ? "echo 1 > /proc/sys/vm/drop_caches" : "sync; echo 3 > /proc/sys/vm/drop_caches";
    compressInPlace(variant.compressInPlace);
    store.compressInSave(variant.compressInSave ?? false);
  }

  /** Guest instructions run so far (32 bits: it wraps): what a guest command costs, whatever the host's load (the bench). */
  instructionCount(): number {
    return this.requireRunning().machine.instructionCount();
  }

  /** The disk chunks the guest has read so far, in order (for scripts/preboot.ts and the bench). */
  diskChunksRead(): number[] {
    return [...this.requireRunning().machine.disk.chunksRead];
  }

  async write(terminal: TerminalId, data: Uint8Array | string): Promise<void> {
    this.requireRunning().write(terminal, data);
  }

  async outputDrawn(terminal: TerminalId, bytes: number): Promise<void> {
    this.running?.outputDrawn(terminal, bytes);
  }

  async resize(terminal: TerminalId, rows: number, cols: number): Promise<void> {
    await this.requireRunning().resize(terminal, rows, cols);
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.requireRunning().exec(command, options);
  }

  async shareFile(bytes: Uint8Array): Promise<string> {
    return this.requireRunning().sharedFolder().put(bytes);
  }

  async reserveSharedFile(size: number): Promise<string> {
    return this.requireRunning().sharedFolder().reserve(size);
  }

  async takeSharedFile(name: string): Promise<Uint8Array> {
    const file = await this.requireRunning().sharedFolder().take(name);
    return transfer(file, [file.buffer]);
  }

  async removeSharedFile(name: string): Promise<void> {
    await this.running?.folder?.remove(name);
  }

  async saveSnapshot(request: SnapshotRequest): Promise<SavedSnapshot> {
    const running = this.requireRunning();
    await this.loaded?.base;
    return snapshots.saveSnapshot(running, request, this.stores(), startedFrom(this.loaded));
  }

  async snapshotsCompacted(): Promise<void> {
    await Promise.all([compacted(this.stores()), resumeCopyWritten()]);
  }

  async listSnapshots(): Promise<SnapshotSummary[]> {
    const machine = this.loaded && snapshots.identity(this.loaded.manifest);
    return (await store.listSnapshots(this.stores())).map((record) => snapshots.summary(record, machine));
  }

  async restoreSnapshot(id: string): Promise<RestoredSnapshot> {
    const restored = await snapshots.restoreSnapshot(this.requireRunning(), id, this.stores(), this.baseState);
    this.setStatus("running");
    return restored;
  }

  async renameSnapshot(id: string, name: string): Promise<SnapshotSummary> {
    const record = await store.renameSnapshot(id, name, this.stores());
    return snapshots.summary(record, this.loaded && snapshots.identity(this.loaded.manifest));
  }

  async deleteSnapshot(id: string): Promise<void> {
    await store.deleteSnapshot(id, this.stores());
  }

  async exportSnapshot(id: string): Promise<Uint8Array> {
    const file = await snapshots.exportSnapshot(id, this.stores(), this.baseState);
    return transfer(file, [file.buffer]);
  }

  async importSnapshot(file: Uint8Array): Promise<SnapshotSummary> {
    if (!this.loaded) throw new VmError("not-running", "the machine was never started: start it before importing a snapshot");
    return snapshots.importSnapshot(file, snapshots.identity(this.loaded.manifest), this.stores());
  }

  async storageEstimate(): Promise<StorageEstimate> {
    return snapshots.storageEstimate(this.stores());
  }

  async pause(): Promise<void> {
    const { machine } = this.requireRunning();
    if (this.currentStatus === "paused") return;
    await machine.pause();
    this.setStatus("paused");
  }

  async resume(): Promise<void> {
    const { machine } = this.requireRunning();
    if (this.currentStatus !== "paused") return;
    await machine.resume();
    this.setStatus("running");
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = null;
    await running?.destroy();
    this.setStatus("stopped");
  }

  async reset(): Promise<StartResult> {
    const loaded = this.loaded;
    if (!loaded) throw new VmError("not-running", "the machine was never started");
    // The machine goes first, then the wait for the pre-booted state (after a resume from its
    // copy it may still be on its way): a machine left running meanwhile kept saying it ran, and
    // took what the learner typed at a cleared screen, to lose it a moment later.
    const t0 = performance.now();
    this.setStatus("starting");
    const running = this.running;
    this.running = null;
    await running?.destroy();
    await loaded.base;
    try {
      return await this.boot(loaded, t0, { manifest: 0, wasm: 0, boot: 0, files: 0 });
    } catch (e) {
      this.fail(e);
    }
  }
}

/** The resume's copy could not be used: the start begins again without it. */
class CopyRefused extends Error {}

/** The copy of snapshot `id`, and when it was read (`at`: ms since `t0`; `read`: ms it took). */
async function readCopy(id: string, t0: number): Promise<(KeptState & { read: number; at: number }) | undefined> {
  const t = performance.now();
  const copy = await resumeCopy(id);
  return copy && { ...copy, read: performance.now() - t, at: performance.now() - t0 };
}

/**
 * After a resume from a copy: the pre-booted state, for saves (which share its blocks) and for
 * reset, loaded once the learner has the prompt (a read of 14 MB holds this thread ~0.1 s).
 * Resolves when it is in `loaded.files`, or when it could not be loaded (saves then share nothing).
 */
function loadBaseLater(loaded: Loaded, entry: StateEntry): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1500))
    .then(() => loadPrebootedState(loaded.options.imagesBase, entry, loaded.files.wasm))
    .then((raw) => void (loaded.files.state = raw))
    .catch(() => {});
}
