// The implementation of VmApi: boots the machine from the manifest, carries the learner's
// terminals and the control channel, and saves and restores the whole machine.
import type { CompiledWasm, StartTimeline, ExecOptions, ExecResult, SnapshotInfo, StartOptions, StartResult, StateSource, TerminalId, VmApi, VmErrorCode, VmEvent, VmStatus } from "./api";
import { DownloadError, joinPath, loadRaw, loadUnchecked, loadVerified, loadWasm, type Progress } from "./artifacts";
import { ControlChannel } from "./control";
import type { Machine, MachineFiles } from "./machine";
import { BadImageError, hasCurrentState, parseManifest, type FileEntry, type Manifest, type StateEntry } from "./manifest";
import { OutputBatcher } from "./output-batcher";
import { fromBase64 } from "./protocol";
import { decodeSnapshot, encodeSnapshot } from "./snapshot";
import { cacheState, keptState } from "./state-cache";
import { StateFrames, decompressFrames } from "./state-frames";
import { throttled } from "./progress";
import { WasmZstd } from "./zstd";
import type { SerialIndex } from "./v86-events";

/** Instructions per second above which the guest counts as busy (an idle guest halts). */
const BUSY_INSTRUCTIONS_PER_SECOND = 30_000_000;
const BUSY_SAMPLE_MS = 1000;

/**
 * A start's state, maybe still being checked: `problem` resolves to what is wrong with it, or
 * null; it is what is wrong when that is known already.
 */
interface StateCandidate {
  /** the raw state (decompressed) */
  data: Uint8Array;
  source: StateSource;
  problem: Promise<string | null> | string;
}

/**
 * The emulator's module (v86's JavaScript, most of the worker's code), loaded apart and asked
 * for as soon as the worker starts: the worker answers start() before it has compiled it, and
 * its downloads begin meanwhile.
 */
let machineModule: Promise<typeof import("./machine")> | null = null;
export function loadMachineModule(): Promise<typeof import("./machine")> {
  machineModule ??= import("./machine").catch((e: unknown) => {
    machineModule = null; // a retry asks again
    throw new DownloadError(`could not load the emulator's code: ${(e as Error).message}`);
  });
  return machineModule;
}

export class VmError extends Error {
  constructor(readonly code: VmErrorCode, message: string) {
    super(message);
  }
}

function errorCode(e: unknown): VmErrorCode {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? (code as VmErrorCode) : "internal";
}

export class VmService implements VmApi {
  private listeners = new Map<number, (event: VmEvent) => void>();
  private nextListenerId = 1;
  private currentStatus: VmStatus = "stopped";
  private machine: Machine | null = null;
  private manifest: Manifest | null = null;
  private options: StartOptions | null = null;
  private files: MachineFiles | null = null;
  private control: ControlChannel | null = null;
  private disposers: Array<() => void> = [];
  private batchers = new Map<TerminalId, OutputBatcher>();
  private busyTimer: ReturnType<typeof setInterval> | null = null;

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

  private fail(e: unknown): never {
    const error = e instanceof Error ? e : new Error(String(e));
    const code = errorCode(e);
    this.setStatus("error");
    this.emit({ type: "error", error: { code, message: error.message } });
    throw new VmError(code, error.message);
  }

  async start(options: StartOptions, compiled?: CompiledWasm): Promise<StartResult> {
    if (this.machine) await this.stop();
    this.options = options;
    this.setStatus("starting");
    const t0 = performance.now();
    try {
      const manifestText = new TextDecoder().decode(await loadRaw(joinPath(options.imagesBase, "manifest.json")));
      let manifestJson: unknown;
      try {
        manifestJson = JSON.parse(manifestText);
      } catch {
        throw new BadImageError("images/manifest.json is not valid JSON");
      }
      const manifest = parseManifest(manifestJson);
      this.manifest = manifest;
      const manifestAt = performance.now() - t0;
      const state = options.from !== "kernel" && hasCurrentState(manifest) ? manifest.state : undefined;
      if (options.from === "state" && !state) throw new BadImageError("there is no pre-booted state for this image");
      const progress = (file: string) => this.downloadProgress(file);
      const load = (entry: FileEntry, file: string) => loadVerified(options.imagesBase, entry, progress(file));
      const loadV86Wasm = async () => (await compiled?.().catch(() => undefined)) ?? loadWasm(options.wasmPath, progress("v86.wasm"));
      const times = { wasm: 0, boot: 0 };
      const timed = <T>(part: keyof typeof times, loading: Promise<T>) => loading.then((value) => ((times[part] = performance.now() - t0), value));
      const wasmLoading = timed("wasm", loadV86Wasm());
      const [wasm, bios, vgaBios, boot] = await Promise.all([
        wasmLoading,
        load(manifest.files.bios, "bios"),
        load(manifest.files.vgaBios, "vga-bios"),
        timed<Uint8Array | StateCandidate>("boot", state ? this.stateCandidate(state, progress("state"), wasmLoading) : load(manifest.files.kernel, "kernel")),
      ]);
      const kernel = boot instanceof Uint8Array;
      this.files = kernel ? { wasm, bios, vgaBios, kernel: boot } : { wasm, bios, vgaBios, state: boot.data };
      return await this.boot(t0, { manifest: manifestAt, ...times, files: performance.now() - t0 }, kernel ? undefined : boot);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Download progress for the UI, while the machine starts (downloads still under way when another file failed keep going, quietly). */
  private downloadProgress(file: string): Progress {
    return throttled((loaded, total) => this.currentStatus === "starting" && this.emit({ type: "progress", progress: { phase: "download", file, loaded, total } }));
  }

  /**
   * The pre-booted state from the quickest place: the copy a first visit kept (a repeat visit),
   * else the download. The download begins only once no copy was found: begun alongside, it
   * slowed a repeat visit by up to 0.2 s (the browser took that long to open the kept copy while
   * it read the download from its cache).
   */
  private async stateCandidate(entry: StateEntry, progress: Progress, wasm: Promise<WebAssembly.Module>): Promise<StateCandidate> {
    const kept = await keptState(entry.sha256, entry.rawSize);
    if (kept) return { data: kept.data, source: "cache", problem: kept.intact.then((ok) => (ok ? null : "the kept copy is damaged")) };
    // Decompressed frame by frame as it downloads (see state-frames.ts).
    const frames = new StateFrames(entry.frames, entry.rawSize, wasm.then((module) => WasmZstd.for(module)));
    const file = await loadUnchecked(this.options!.imagesBase, entry, progress, (data, loaded) => frames.feed(data, loaded));
    try {
      return { data: await frames.finish(file.data), source: "download", problem: file.problem };
    } catch (e) {
      // Damaged (or an older copy from the HTTP cache): it is loaded again (see boot()).
      return { data: file.data, source: "download", problem: `the state could not be decompressed: ${(e as Error).message}` };
    }
  }

  /** After a start from the downloaded state, and off its critical path: see state-cache.ts. */
  private keepStateForNextVisit(state: StateEntry, raw: Uint8Array): void {
    setTimeout(() => void cacheState(state.sha256, raw), 1000);
  }

  /**
   * Creates the machine from the files and waits for it to be ready. From a state whose check
   * is still running (`unchecked`), the machine restores meanwhile; if the check fails, that
   * machine is thrown away and the state is loaded again, checked first.
   */
  private async boot(t0: number, before: Omit<StartTimeline, "calledAt" | "machine" | "agent">, unchecked?: StateCandidate): Promise<StartResult> {
    const manifest = this.manifest!;
    const files = this.files!;
    const from = files.state ? "state" : "kernel";
    this.emit({ type: "progress", progress: { phase: "booting", from } });
    let stateSource = unchecked?.source;
    const problem = unchecked?.problem;
    let machine = typeof problem === "string" ? null : await this.createMachine(files, problem);
    if (!machine) {
      const state = manifest.state!;
      const file = await loadVerified(this.options!.imagesBase, state, this.downloadProgress("state"));
      try {
        files.state = decompressFrames(state.frames, state.rawSize, file, WasmZstd.for(files.wasm));
      } catch (e) {
        throw new BadImageError(`${state.path} matches its sha256 but not its frames in the manifest: ${(e as Error).message}`);
      }
      stateSource = "download";
      machine = (await this.createMachine(files))!;
    }
    this.attach(machine);
    const machineAt = performance.now() - t0;
    const control = this.control!;
    if (from === "kernel") await control.nextReady();
    else {
      await control.setTime(Date.now()); // its answer also says the agent is alive
      this.replayScreens(manifest);
    }
    const elapsedMs = performance.now() - t0;
    this.setStatus("running");
    const timeline = { calledAt: performance.timeOrigin + t0, ...before, machine: machineAt, agent: elapsedMs };
    this.emit({ type: "progress", progress: { phase: "ready", from, elapsedMs, timeline } });
    if (stateSource === "download" && unchecked) this.keepStateForNextVisit(manifest.state!, files.state!);
    return { from, elapsedMs, stateSource };
  }

  /** A machine from the files; null (and no machine) when `problem` resolves to one. */
  private async createMachine(files: MachineFiles, problem: Promise<string | null> = Promise.resolve(null)): Promise<Machine | null> {
    const abort = new AbortController();
    const { Machine } = await loadMachineModule();
    const creating = Machine.create(this.manifest!, this.options!.imagesBase, files, (message) => this.emit({ type: "error", error: { code: "download-failed", message } }), {
      signal: abort.signal,
    });
    creating.catch(() => {}); // (a failure is the caller's, through the promise returned)
    if ((await problem) === null) return creating;
    abort.abort(new Error("the state was not the right one"));
    await creating.then((machine) => machine.destroy(), () => {});
    return null;
  }

  /** A pre-booted state's terminals already printed their prompts: show the learner the same. */
  private replayScreens(manifest: Manifest): void {
    for (const [terminal, text] of Object.entries(manifest.state?.screens ?? {}) as Array<[TerminalId, string]>) {
      if (text) this.emit({ type: "output", terminal, data: fromBase64(text) });
    }
  }

  /** The raw v86 state, for scripts/preboot.ts (not part of VmApi). */
  async saveRawState(): Promise<Uint8Array> {
    return this.requireMachine().machine.save();
  }

  /** The disk chunks the guest has read so far, in order (for scripts/preboot.ts and the bench). */
  diskChunksRead(): number[] {
    return [...this.requireMachine().machine.disk.chunksRead];
  }

  private attach(machine: Machine): void {
    const manifest = this.manifest!;
    this.machine = machine;
    const control = new ControlChannel((bytes) => machine.sendNow(manifest.serial.control, bytes));
    this.control = control;
    this.disposers.push(machine.onSerial(manifest.serial.control, (b) => control.receive([b])));
    for (const terminal of ["main", "second"] as const) {
      const batcher = new OutputBatcher((data) => this.emit({ type: "output", terminal, data }));
      this.batchers.set(terminal, batcher);
      this.disposers.push(machine.onSerial(manifest.serial[terminal], (b) => batcher.push(b)));
    }
    this.watchBusy(machine);
  }

  private watchBusy(machine: Machine): void {
    let last = machine.instructionCount();
    let lastAt = performance.now();
    this.busyTimer = setInterval(() => {
      const count = machine.instructionCount();
      const now = performance.now();
      // The counter is 32 bits and wraps.
      const rate = (((count - last) >>> 0) * 1000) / Math.max(1, now - lastAt);
      last = count;
      lastAt = now;
      if (this.currentStatus === "running" || this.currentStatus === "busy") {
        this.setStatus(rate > BUSY_INSTRUCTIONS_PER_SECOND ? "busy" : "running");
      }
    }, BUSY_SAMPLE_MS);
  }

  private async detach(): Promise<void> {
    if (this.busyTimer) clearInterval(this.busyTimer);
    this.busyTimer = null;
    for (const d of this.disposers) d();
    this.disposers = [];
    for (const b of this.batchers.values()) b.flush();
    this.batchers.clear();
    this.control?.abandon();
    this.control = null;
    const machine = this.machine;
    this.machine = null;
    await machine?.destroy();
  }

  private requireMachine(): { machine: Machine; control: ControlChannel; manifest: Manifest } {
    if (!this.machine || !this.control || !this.manifest) throw new VmError("not-running", "the machine is not running");
    return { machine: this.machine, control: this.control, manifest: this.manifest };
  }

  async write(terminal: TerminalId, data: Uint8Array | string): Promise<void> {
    const { machine, manifest } = this.requireMachine();
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    machine.type(manifest.serial[terminal] as SerialIndex, bytes);
  }

  async resize(terminal: TerminalId, rows: number, cols: number): Promise<void> {
    const { control, manifest } = this.requireMachine();
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows > 1000 || cols > 1000) {
      throw new VmError("internal", `bad terminal size ${rows}x${cols}`);
    }
    await control.setWindow(`/dev/ttyS${manifest.serial[terminal]}`, rows, cols);
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const { control } = this.requireMachine();
    try {
      return await control.exec(command, options);
    } catch (e) {
      throw new VmError(errorCode(e), (e as Error).message);
    }
  }

  private snapshotIdentity() {
    const manifest = this.manifest!;
    return { imageId: manifest.id, v86Version: manifest.v86Version };
  }

  async saveState(): Promise<Uint8Array> {
    const { machine } = this.requireMachine();
    const state = await machine.save();
    return encodeSnapshot(state, { ...this.snapshotIdentity(), createdAt: new Date().toISOString() });
  }

  async restoreState(snapshot: Uint8Array): Promise<SnapshotInfo> {
    const { machine } = this.requireMachine();
    let decoded;
    try {
      decoded = await decodeSnapshot(snapshot, this.snapshotIdentity());
    } catch (e) {
      throw new VmError(errorCode(e), (e as Error).message);
    }
    await this.restoreRaw(machine, decoded.state);
    return decoded.info;
  }

  /** Restores a raw v86 state; on failure the machine goes back to where it was. */
  private async restoreRaw(machine: Machine, state: Uint8Array): Promise<void> {
    const rollback = await machine.save();
    this.control?.abandon();
    try {
      await machine.restore(state);
    } catch (e) {
      await machine.restore(rollback);
      throw new VmError("bad-state", `the state could not be restored: ${(e as Error).message}`);
    }
    await this.control!.setTime(Date.now()); // its answer also says the agent is alive
    this.setStatus("running");
  }

  async pause(): Promise<void> {
    const { machine } = this.requireMachine();
    if (this.currentStatus === "paused") return;
    await machine.pause();
    this.setStatus("paused");
  }

  async resume(): Promise<void> {
    const { machine } = this.requireMachine();
    if (this.currentStatus !== "paused") return;
    await machine.resume();
    this.setStatus("running");
  }

  async stop(): Promise<void> {
    await this.detach();
    this.setStatus("stopped");
  }

  async reset(): Promise<StartResult> {
    if (!this.files || !this.manifest) throw new VmError("not-running", "the machine was never started");
    const t0 = performance.now();
    this.setStatus("starting");
    await this.detach();
    try {
      return await this.boot(t0, { manifest: 0, wasm: 0, boot: 0, files: 0 });
    } catch (e) {
      this.fail(e);
    }
  }
}
