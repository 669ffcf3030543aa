// The one door between the UI and the machine. Both sides import this file: the worker
// implements it (`expose(service satisfies VmApi)`), the UI calls it (`wrap<VmApi>()`).
// Nothing here touches v86 or the DOM.

/** The learner's terminals, each a serial port of the guest. */
export type TerminalId = "main" | "second";
export const TERMINALS: readonly TerminalId[] = ["main", "second"];

/** "paused": the machine is kept as it is, its processor halted (pause/resume). */
export type VmStatus = "stopped" | "starting" | "running" | "busy" | "paused" | "error";

export type StartFrom = "auto" | "state" | "kernel";

export type BootPhase =
  | { phase: "download"; file: string; loaded: number; total: number }
  | { phase: "booting"; from: "state" | "kernel" }
  | { phase: "ready"; from: "state" | "kernel"; elapsedMs: number; timeline: StartTimeline };

/** When each part of a start ended, in ms since start() was called (the benchmark prints it). */
export interface StartTimeline {
  /** When the machine's side got the call: ms since 1970 (performance.timeOrigin + now), to set beside the page's clock */
  calledAt: number;
  /** images/manifest.json read and checked */
  manifest: number;
  /** v86.wasm compiled (here, or handed over by the page) */
  wasm: number;
  /** the state or kernel loaded (the state's check may still run) */
  boot: number;
  /** firmware, v86.wasm and the state or kernel all loaded */
  files: number;
  /** v86 created; a state restored and checked */
  machine: number;
  /** the control agent answered (and, after a restore, the clock was set) */
  agent: number;
}

export type VmErrorCode =
  | "download-failed"
  | "bad-image"
  | "bad-state"
  | "out-of-memory"
  | "control-timeout"
  | "not-running"
  | "internal";

export interface VmErrorInfo {
  code: VmErrorCode;
  message: string;
}

export type VmEvent =
  | { type: "progress"; progress: BootPhase }
  | { type: "status"; status: VmStatus }
  | { type: "output"; terminal: TerminalId; data: Uint8Array }
  | { type: "error"; error: VmErrorInfo };

export interface StartOptions {
  /** Where images/manifest.json lives: a URL in a browser, a directory in Node. */
  imagesBase: string;
  /** Where v86's wasm lives (a URL or a path). */
  wasmPath: string;
  from?: StartFrom;
}

/** v86's wasm compiled by the caller, or undefined when that failed. */
export type CompiledWasm = () => Promise<WebAssembly.Module | undefined>;

export interface ExecOptions {
  /** Killed (with its whole process group) after this long. Default 10 s. */
  timeoutMs?: number;
  /** Bytes given to the command's standard input. */
  stdin?: Uint8Array;
}

export interface ExecResult {
  /** The command's exit code; 128 + signal when it was killed. */
  exitCode: number;
  /** "timeout" when timeoutMs ran out and the command was killed. */
  status: "ok" | "timeout" | "cancelled";
  stdout: string;
  stderr: string;
  /** stdout exactly as bytes, for binary output. */
  stdoutBytes: Uint8Array;
}

/** The directory (origin private file system) where a browser keeps the decompressed state. */
export const STATE_CACHE_DIR = "contained-state-cache";

/** Where a pre-booted state came from: downloaded, or the copy a first visit kept (OPFS). */
export type StateSource = "download" | "cache";

export interface StartResult {
  from: "state" | "kernel";
  elapsedMs: number;
  stateSource?: StateSource;
}

/** What a snapshot says about itself (stored in its header). */
export interface SnapshotInfo {
  imageId: string;
  v86Version: string;
  createdAt: string;
}

export interface VmApi {
  /** Events (progress, status, terminal output, errors) go to `listener`. Returns an id for unsubscribe. */
  subscribe(listener: (event: VmEvent) => void): Promise<number>;
  unsubscribe(id: number): Promise<void>;
  /**
   * `compiled`, if given, is asked for v86's wasm compiled elsewhere (the page compiles it while
   * the worker starts: see web/vm/adapter.ts); when it has none, the wasm is loaded from wasmPath.
   */
  start(options: StartOptions, compiled?: CompiledWasm): Promise<StartResult>;
  status(): Promise<VmStatus>;
  /** Types into a learner's terminal (paced so the guest's tty never drops a byte). */
  write(terminal: TerminalId, data: Uint8Array | string): Promise<void>;
  /** Tells the guest's tty its size; programs get SIGWINCH. */
  resize(terminal: TerminalId, rows: number, cols: number): Promise<void>;
  /** Runs a command on the control channel, never on a learner's terminal. Calls are queued. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** The whole machine as a snapshot (header + compressed v86 state). */
  saveState(): Promise<Uint8Array>;
  restoreState(snapshot: Uint8Array): Promise<SnapshotInfo>;
  /** Halts the machine's processor, everything kept (an embedded lab scrolled away): no CPU, no checks. */
  pause(): Promise<void>;
  /** Runs a paused machine again, from where it was. */
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** Back to a freshly booted machine (the pre-booted state when there is one). */
  reset(): Promise<StartResult>;
}
