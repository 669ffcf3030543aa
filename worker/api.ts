// The one door between the UI and the machine. Both sides import this file: the worker
// implements it (`expose(service satisfies VmApi)`), the UI calls it (`wrap<VmApi>()`).
// Nothing here touches v86 or the DOM.

/** The learner's terminals, each a console port of the guest. */
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
  /** not a snapshot, or a damaged one */
  | "bad-snapshot"
  /** a snapshot of another image, v86 version or memory size */
  | "snapshot-mismatch"
  | "no-such-snapshot"
  /** the browser's storage quota ran out */
  | "quota-exceeded"
  /** the browser gives no storage here (IndexedDB refused: a frame of another site, a locked-down profile) */
  | "storage-unavailable"
  /** the request was given up: the machine under it was restored, reset or stopped */
  | "abandoned"
  | "out-of-memory"
  | "control-timeout"
  | "not-running"
  | "internal";

/** A failure: every call that fails rejects with an Error carrying these (see worker/errors.ts). */
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
  /**
   * The caller says what it has drawn of each terminal's output (outputDrawn), and the machine
   * holds output, and pauses, while too much is undrawn: a flood then goes no faster than the
   * screen draws it. Without it, output goes out as fast as the guest writes it.
   */
  pacedOutput?: boolean;
  /**
   * A stored snapshot to start from instead of the pre-booted state (the learner's last
   * automatic save, say): v86 restores it directly, which is quicker than a start and then
   * restoreSnapshot. If it cannot be (deleted, of another image, damaged), the machine starts
   * from the pre-booted state as usual and StartResult.resumeError says why.
   */
  resume?: string;
  /**
   * The caller saves the machine by itself after the learner's commands (the lab's page does;
   * an embed does not): the worker then readies the next save while the guest is idle, by
   * dropping the page cache after work that filled it (RunningMachine.dropPageCacheIfGrown).
   */
  autosaves?: boolean;
}

/** v86's wasm compiled by the caller, or undefined when that failed. */
export type CompiledWasm = () => Promise<WebAssembly.Module | undefined>;

export interface ExecOptions {
  /** Killed (with its whole process group) after this long. Default 10 s. */
  timeoutMs?: number;
  /** Bytes given to the command's standard input. */
  stdin?: Uint8Array;
  /**
   * The command sees the folder the host shares with the guest (shareFile, takeSharedFile) at
   * $CONTAINED_SHARE, mounted in a mount namespace of its own: no other process sees it.
   */
  sharedFolder?: boolean;
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
/** The directory (OPFS) where a browser keeps the latest automatic snapshot's state, whole (worker/resume-copy.ts). */
export const RESUME_COPY_DIR = "contained-resume-copy";

/** Where a pre-booted state came from: downloaded, or the copy a first visit kept (OPFS). */
export type StateSource = "download" | "cache";

export interface StartResult {
  from: "state" | "kernel";
  elapsedMs: number;
  stateSource?: StateSource;
  /** The snapshot StartOptions.resume named, when the machine started from it. */
  resumed?: RestoredSnapshot;
  /** Why it did not, when it did not. */
  resumeError?: VmErrorInfo;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where in a lesson the learner was. */
export interface LessonPlace {
  lesson: string;
  step: number;
}

/** What the page says about a snapshot it asks the machine to take. */
export interface SnapshotRequest {
  name: string;
  /**
   * "auto": a checkpoint the lab took; the newest 10 and the newest of each lesson step are
   * kept, older ones deleted after each automatic save. "named": the learner's, never pruned.
   */
  kind: "auto" | "named";
  /** Shown in the list; checkpoints are kept one per step. */
  place?: LessonPlace;
  /** The lesson's state, opaque to the machine: given back by restoreSnapshot. */
  lessonState?: JsonValue;
  /** What each terminal showed (opaque strings, e.g. serialized by xterm), given back by restoreSnapshot. */
  screens?: Partial<Record<TerminalId, string>>;
}

/** A stored snapshot, as listSnapshots shows it. */
export interface SnapshotSummary {
  id: string;
  name: string;
  kind: "auto" | "named";
  /** ISO 8601 */
  createdAt: string;
  place?: LessonPlace;
  imageId: string;
  v86Version: string;
  memorySize: number;
  appVersion: string;
  /** Whether this lab can restore it: the same image, v86 version and memory size. */
  matchesImage: boolean;
  /** Stored bytes of the blocks it is made of (blocks shared with other snapshots count in each). */
  size: number;
  /** Bytes its save added to storage (what it did not share with the snapshots before it). */
  addedBytes: number;
}

/** How long each part of a save took, in ms (the benchmark prints them). */
export interface SaveTimeline {
  /** its RAM counted, to know whether dropping the page cache is worth it */
  check: number;
  /** the guest's clean page cache dropped, when that was worth it */
  drop: number;
  /** v86's save_state: the machine is held still meanwhile */
  state: number;
  /** from the call until the state was taken (the three above): the machine runs on after it, as the rest is done */
  taken: number;
  /** split into blocks and hashed */
  split: number;
  /** new blocks made ready to store (raw: compressed only when storage is too full for them raw) */
  compress: number;
  /** new blocks, then the record, written to storage */
  write: number;
  /** old checkpoints pruned (automatic saves) */
  prune: number;
}

export interface SavedSnapshot extends SnapshotSummary {
  timeline: SaveTimeline;
}

/** How long each part of a restore took, in ms. */
export interface RestoreTimeline {
  /** where a resume's state came from: the whole copy the save kept (worker/resume-copy.ts), or the snapshot's blocks */
  from?: "copy" | "blocks";
  /** blocks read from storage and decompressed */
  read: number;
  /** the state put together and checked */
  assemble: number;
  /** v86 restored it and the agent answered */
  restore: number;
}

export interface RestoredSnapshot {
  summary: SnapshotSummary;
  timeline: RestoreTimeline;
  lessonState?: JsonValue;
  screens?: Partial<Record<TerminalId, string>>;
}

export interface StorageEstimate {
  /** what this site stores, in bytes, and how much it may (navigator.storage.estimate()); null where unknown */
  usage: number | null;
  quota: number | null;
  /** whether the browser keeps this site's storage until the learner clears it; null where unknown */
  persisted: boolean | null;
  /** bytes of blocks the snapshots use, together (shared blocks once) */
  snapshotBytes: number;
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
  /** The caller has drawn `bytes` more of a terminal's output (with pacedOutput). */
  outputDrawn(terminal: TerminalId, bytes: number): Promise<void>;
  /** Tells the guest's tty its size; programs get SIGWINCH. */
  resize(terminal: TerminalId, rows: number, cols: number): Promise<void>;
  /** Runs a command on the control channel, never on a learner's terminal. Calls are queued. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Puts bytes in the folder the host shares with the guest (an upload's way in: a command with
   * ExecOptions.sharedFolder copies them out); resolves to the file's name there. A file stays
   * until takeSharedFile or removeSharedFile, and a snapshot waits until none is left: remove
   * it once the transfer is done, whatever the outcome. The page hands the bytes' buffer over
   * (web/vm/adapter.ts): the caller's copy is then empty.
   */
  shareFile(bytes: Uint8Array): Promise<string>;
  /** A file of `size` zero bytes in the shared folder, for a command to write over (a download's way out). */
  reserveSharedFile(size: number): Promise<string>;
  /** Reads a file of the shared folder, and removes it. */
  takeSharedFile(name: string): Promise<Uint8Array>;
  /** Removes a file of the shared folder (nothing if it is gone). */
  removeSharedFile(name: string): Promise<void>;
  /**
   * Saves the whole machine to the browser's storage (IndexedDB): the guest's page cache is
   * dropped first when it is big, and only blocks no stored snapshot has are written. A
   * snapshot is listed only once all its blocks are stored. Rejects with "quota-exceeded" when
   * storage is full (earlier snapshots stay as they were).
   */
  saveSnapshot(request: SnapshotRequest): Promise<SavedSnapshot>;
  /**
   * Resolves once the work after the saves so far is done: the blocks they stored raw are
   * compressed (a save writes them raw, and a pass after it compresses them:
   * snapshot-compaction.ts), so sizes listed after it are final; and the latest automatic one's
   * whole copy is kept (resume-copy.ts).
   */
  snapshotsCompacted(): Promise<void>;
  /** Newest first. */
  listSnapshots(): Promise<SnapshotSummary[]>;
  /**
   * Puts the machine back as the snapshot saved it (files, processes). Checks in flight or
   * queued reject with "abandoned". A snapshot of another image is refused
   * ("snapshot-mismatch") and kept; a damaged one is refused ("bad-snapshot"); either way the
   * running machine is as it was.
   */
  restoreSnapshot(id: string): Promise<RestoredSnapshot>;
  renameSnapshot(id: string, name: string): Promise<SnapshotSummary>;
  /** Deletes it, and the blocks no other snapshot uses. */
  deleteSnapshot(id: string): Promise<void>;
  /** One self-contained file (header and blocks), for the learner to keep. */
  exportSnapshot(id: string): Promise<Uint8Array>;
  /** Checks all of a file (format, header, every block's hash) before it stores anything. */
  importSnapshot(file: Uint8Array): Promise<SnapshotSummary>;
  storageEstimate(): Promise<StorageEstimate>;
  /** Halts the machine's processor, everything kept (an embedded lab scrolled away): no CPU, no checks. */
  pause(): Promise<void>;
  /** Runs a paused machine again, from where it was. */
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** Back to a freshly booted machine (the pre-booted state when there is one). */
  reset(): Promise<StartResult>;
}
