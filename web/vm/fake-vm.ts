// A scripted stand-in for the machine: the same VmApi, no emulator. It downloads nothing, boots
// in a few ticks, runs a toy shell on both terminals and a toy `sh -c` for exec, over an
// in-memory file system. For UI development (`?backend=fake`) and UI unit tests only.
import { VmError } from "../../worker/errors";
import type {
  ExecOptions,
  ExecResult,
  RestoredSnapshot,
  SavedSnapshot,
  SnapshotRequest,
  SnapshotSummary,
  StartOptions,
  StartResult,
  StorageEstimate,
  TerminalId,
  VmApi,
  VmErrorInfo,
  VmEvent,
  VmStatus,
} from "../../worker/api";

export interface FakeVmOptions {
  /** Pause between boot steps; 0 in tests. */
  stepMs?: number;
  /** The next start fails with this error (once). */
  failNextStart?: VmErrorInfo;
  /** Files in the guest, by absolute path. */
  files?: Record<string, string | Uint8Array>;
  /** Where snapshots are kept: give two fakes the same one for a "next visit" that resumes. */
  snapshots?: FakeSnapshots;
}

/** The fake's snapshot storage (a Map, shared between fakes as IndexedDB is between visits). */
export type FakeSnapshots = Map<string, { summary: SnapshotSummary; request: SnapshotRequest; files: Map<string, Uint8Array> }>;

const PROMPT = "root@contained:~# ";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const UNAME = "Linux contained 6.1.0-contained #1 Tue Jan 1 00:00:00 UTC 2030 i686 GNU/Linux";

/** Splits a command line into words: enough of sh's quoting for the commands the UI sends. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (c === " " || c === "\t") {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/** Where the fake's shared folder is, for a command that has it. */
const SHARE = "/run/contained/share";

function absolute(path: string): string {
  return path.startsWith("/") ? path : `/root/${path}`;
}

function result(exitCode: number, stdout: string | Uint8Array = "", stderr = ""): ExecResult {
  const bytes = typeof stdout === "string" ? encoder.encode(stdout) : stdout;
  return { exitCode, status: "ok", stdout: decoder.decode(bytes), stderr, stdoutBytes: bytes };
}

export class FakeVm implements VmApi {
  readonly files = new Map<string, Uint8Array>();
  /** The folder shared with the guest (shareFile): a command with ExecOptions.sharedFolder sees it at $CONTAINED_SHARE. */
  readonly shared = new Map<string, Uint8Array>();
  private sharedCount = 0;
  readonly sizes = new Map<TerminalId, { rows: number; cols: number }>();
  /** Every command exec was asked to run, in order. */
  readonly execLog: string[] = [];
  private listeners = new Map<number, (event: VmEvent) => void>();
  private nextId = 1;
  private current: VmStatus = "stopped";
  private lines = new Map<TerminalId, string>();
  private failNextStart: VmErrorInfo | undefined;
  private readonly stepMs: number;
  private readonly initialFiles: ReadonlyMap<string, Uint8Array>;
  private readonly snapshots: FakeSnapshots;

  constructor(options: FakeVmOptions = {}) {
    this.stepMs = options.stepMs ?? 120;
    this.failNextStart = options.failNextStart;
    this.snapshots = options.snapshots ?? new Map();
    for (const [path, content] of Object.entries(options.files ?? {})) {
      this.files.set(path, typeof content === "string" ? encoder.encode(content) : content);
    }
    this.initialFiles = new Map(this.files);
  }

  async subscribe(listener: (event: VmEvent) => void): Promise<number> {
    const id = this.nextId++;
    this.listeners.set(id, listener);
    listener({ type: "status", status: this.current });
    return id;
  }

  async unsubscribe(id: number): Promise<void> {
    this.listeners.delete(id);
  }

  async status(): Promise<VmStatus> {
    return this.current;
  }

  private emit(event: VmEvent): void {
    for (const listener of this.listeners.values()) listener(event);
  }

  private setStatus(status: VmStatus): void {
    this.current = status;
    this.emit({ type: "status", status });
  }

  private print(terminal: TerminalId, text: string): void {
    this.emit({ type: "output", terminal, data: encoder.encode(text) });
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.stepMs));
  }

  async start(options: StartOptions): Promise<StartResult> {
    this.setStatus("starting");
    const total = 4 * 1024 * 1024;
    for (let loaded = 0; loaded <= total; loaded += total / 4) {
      this.emit({ type: "progress", progress: { phase: "download", file: "state", loaded, total } });
      await this.wait();
    }
    const failure = this.failNextStart;
    this.failNextStart = undefined;
    if (failure) {
      this.setStatus("error");
      throw new VmError(failure.code, failure.message);
    }
    if (!options.resume) return this.boot();
    const saved = this.snapshots.get(options.resume);
    if (!saved) return { ...(await this.boot()), resumeError: { code: "no-such-snapshot", message: "there is no such snapshot" } };
    const result = await this.boot({ prompts: false });
    this.files.clear();
    for (const [path, content] of saved.files) this.files.set(path, content);
    return { ...result, resumed: this.restored(saved) };
  }

  private async boot({ prompts = true } = {}): Promise<StartResult> {
    this.emit({ type: "progress", progress: { phase: "booting", from: "state" } });
    await this.wait();
    this.setStatus("running");
    const at = (k: number) => k * this.stepMs;
    this.emit({
      type: "progress",
      progress: {
        phase: "ready",
        from: "state",
        elapsedMs: at(5),
        timeline: { calledAt: performance.timeOrigin, manifest: at(1), wasm: at(2), boot: at(3), files: at(3), machine: at(4), agent: at(5) },
      },
    });
    if (prompts) for (const terminal of ["main", "second"] as const) this.print(terminal, PROMPT);
    return { from: "state", elapsedMs: 5 * this.stepMs };
  }

  async pause(): Promise<void> {
    this.requireRunning();
    this.setStatus("paused");
  }

  async resume(): Promise<void> {
    if (this.current === "paused") this.setStatus("running");
  }

  private requireRunning(): void {
    if (this.current !== "running" && this.current !== "busy") throw new Error("the machine is not running");
  }

  async write(terminal: TerminalId, data: Uint8Array | string): Promise<void> {
    this.requireRunning();
    const text = typeof data === "string" ? data : decoder.decode(data);
    for (const c of text) {
      const line = this.lines.get(terminal) ?? "";
      if (c === "\r" || c === "\n") {
        this.lines.set(terminal, "");
        this.print(terminal, "\r\n" + this.runLine(terminal, line) + PROMPT);
      } else if (c === "\x7f") {
        if (line) this.print(terminal, "\b \b");
        this.lines.set(terminal, line.slice(0, -1));
      } else if (c === "\x03") {
        this.lines.set(terminal, "");
        this.print(terminal, "^C\r\n" + PROMPT);
      } else if (c >= " ") {
        this.lines.set(terminal, line + c);
        this.print(terminal, c);
      }
    }
  }

  /** The toy interactive shell: returns what the command prints. */
  private runLine(terminal: TerminalId, line: string): string {
    const redirect = /^(.*?)\s*(>>?)\s*(\S+)\s*$/.exec(line);
    const [command, ...args] = shellWords(redirect ? redirect[1] : line);
    let out: string;
    if (!command) return "";
    if (command === "echo") out = args.join(" ") + "\n";
    else if (command === "uname") out = (args.includes("-a") ? UNAME : args.includes("-m") ? "i686" : "Linux") + "\n";
    else if (command === "stty" && args[0] === "size") {
      const size = this.sizes.get(terminal) ?? { rows: 24, cols: 80 };
      out = `${size.rows} ${size.cols}\n`;
    } else if (command === "pwd") out = "/root\n";
    else if (command === "ls")
      out =
        [...this.files.keys()]
          .filter((p) => p.startsWith("/root/"))
          .map((p) => p.slice(6))
          .join("  ") + "\n";
    else if (command === "cat" && args[0]) {
      const file = this.files.get(absolute(args[0]));
      out = file ? decoder.decode(file) : `cat: ${args[0]}: No such file or directory\n`;
    } else out = `bash: ${command}: command not found\n`;
    if (redirect) {
      const path = absolute(redirect[3]);
      const before = redirect[2] === ">>" ? decoder.decode(this.files.get(path) ?? new Uint8Array()) : "";
      this.files.set(path, encoder.encode(before + out));
      out = "";
    }
    return out.replace(/\n/g, "\r\n");
  }

  async outputDrawn(): Promise<void> {
    // the fake's output is never paced
  }

  async resize(terminal: TerminalId, rows: number, cols: number): Promise<void> {
    this.requireRunning();
    this.sizes.set(terminal, { rows, cols });
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.requireRunning();
    this.execLog.push(command);
    if (this.holdExecs) {
      // held until released, or given up as the worker gives up a check when the machine is restored
      await new Promise<void>((resolve, reject) => this.heldExecs.push({ resolve, reject }));
    }
    const share = options.sharedFolder ? SHARE : null;
    // (`a && b`: b runs if a succeeded, and the outputs join; `a || b`: b runs if a failed)
    let last = result(0);
    let stdout = "";
    for (const part of command.trim().split(" && ")) {
      for (const alternative of part.split(" || ")) {
        last = this.runCommand(share ? alternative.replaceAll("$CONTAINED_SHARE", share) : alternative, options.stdin ?? new Uint8Array());
        if (last.exitCode === 0) break;
      }
      stdout += last.stdout;
      if (last.exitCode !== 0) break;
    }
    return { ...last, stdout, stdoutBytes: encoder.encode(stdout).length === last.stdoutBytes.length ? last.stdoutBytes : encoder.encode(stdout) };
  }

  async shareFile(bytes: Uint8Array): Promise<string> {
    this.requireRunning();
    const name = `transfer-${++this.sharedCount}`;
    this.shared.set(name, bytes.slice());
    return name;
  }

  async reserveSharedFile(size: number): Promise<string> {
    return this.shareFile(new Uint8Array(size));
  }

  async takeSharedFile(name: string): Promise<Uint8Array> {
    const file = this.shared.get(name);
    if (!file) throw new Error(`the shared folder has no file ${name}`);
    this.shared.delete(name);
    return file;
  }

  async removeSharedFile(name: string): Promise<void> {
    this.shared.delete(name);
  }

  /** A file by its path, in the shared folder or the guest's. */
  private fileAt(path: string): Uint8Array | undefined {
    return path.startsWith(`${SHARE}/`) ? this.shared.get(path.slice(SHARE.length + 1)) : this.files.get(absolute(path));
  }

  private setFile(path: string, bytes: Uint8Array): void {
    if (path.startsWith(`${SHARE}/`)) this.shared.set(path.slice(SHARE.length + 1), bytes);
    else this.files.set(absolute(path), bytes);
  }

  /** While true, exec waits (for releaseExecs, or a restore or reset that abandons it). */
  holdExecs = false;
  private heldExecs: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  releaseExecs(): void {
    this.holdExecs = false;
    for (const held of this.heldExecs.splice(0)) held.resolve();
  }

  /** How many execs are held now. */
  get execsHeld(): number {
    return this.heldExecs.length;
  }

  private abandonExecs(): void {
    this.holdExecs = false;
    for (const held of this.heldExecs.splice(0)) held.reject(new VmError("abandoned", "the machine was restored while this ran"));
  }

  /** The toy `sh -c`: the commands the UI's file transfers and simple checks use. */
  private runCommand(command: string, stdin: Uint8Array): ExecResult {
    const words = shellWords(command).filter((w) => w !== "--" && w !== "2>/dev/null");
    const [name, ...args] = words;
    const redirect = /^cat (>>?) (.+)$/.exec(command);
    if (redirect) {
      const path = absolute(shellWords(redirect[2])[0]);
      const before = redirect[1] === ">>" ? (this.files.get(path) ?? new Uint8Array()) : new Uint8Array();
      const joined = new Uint8Array(before.length + stdin.length);
      joined.set(before);
      joined.set(stdin, before.length);
      this.files.set(path, joined);
      return result(0);
    }
    if (name === "test" && args[0] === "-f") return result(this.files.has(absolute(args[1])) ? 0 : 1);
    if (name === "grep" && args[0] === "-qx") {
      const file = this.files.get(absolute(args[2]));
      return result(file && decoder.decode(file).split("\n").includes(args[1]) ? 0 : 1);
    }
    if (name === "stat" && args.join(" ").startsWith("-L -c %s:%F ")) {
      const path = args[3];
      const file = this.files.get(absolute(path));
      if (file) return result(0, `${file.length}:regular ${file.length ? "" : "empty "}file\n`);
      const isDirectory = [...this.files.keys()].some((p) => p.startsWith(absolute(path) + "/"));
      return isDirectory ? result(0, "4096:directory\n") : result(1, "", `stat: cannot statx '${path}': No such file or directory\n`);
    }
    if (name === "dd") {
      const option = (key: string) => args.find((a) => a.startsWith(key + "="))?.slice(key.length + 1);
      const file = this.fileAt(option("if") ?? "");
      if (!file) return result(1, "", `dd: failed to open '${option("if")}': No such file or directory\n`);
      const bs = Number(option("bs"));
      const skip = Number(option("skip") ?? 0);
      const count = Number(option("count") ?? Infinity);
      const data = file.slice(skip * bs, skip * bs + count * bs);
      const out = option("of");
      if (out === undefined) return result(0, data);
      const at = Number(option("seek") ?? 0) * bs;
      const before = option("conv") === "notrunc" ? (this.fileAt(out) ?? new Uint8Array()) : new Uint8Array();
      const written = new Uint8Array(Math.max(before.length, at + data.length));
      written.set(before);
      written.set(data, at);
      this.setFile(out, written);
      return result(0);
    }
    if (name === "mv" && args[0] === "-fT") {
      const file = this.files.get(absolute(args[1]));
      if (!file) return result(1, "", `mv: cannot stat '${args[1]}': No such file or directory\n`);
      this.files.delete(absolute(args[1]));
      this.files.set(absolute(args[2]), file);
      return result(0);
    }
    if (name === "rm" && args[0] === "-f") {
      for (const path of args.slice(1)) this.files.delete(absolute(path));
      return result(0);
    }
    if (name === "stat" && args.join(" ") === `-L -c %s ${args[3]}`) {
      const file = this.files.get(absolute(args[3]));
      return file ? result(0, `${file.length}\n`) : result(1, "", `stat: cannot statx '${args[3]}': No such file or directory\n`);
    }
    return result(127, "", `the fake machine cannot run this: ${command.split("\n").find((l) => l && !l.startsWith("#"))}\n`);
  }

  async saveSnapshot(request: SnapshotRequest): Promise<SavedSnapshot> {
    this.requireRunning();
    const summary: SnapshotSummary = {
      id: `fake-${this.nextId++}`,
      name: request.name,
      kind: request.kind,
      createdAt: new Date().toISOString(),
      ...(request.place ? { place: request.place } : {}),
      imageId: "fake",
      v86Version: "fake",
      memorySize: 128 << 20,
      appVersion: "fake",
      matchesImage: true,
      size: [...this.files.values()].reduce((n, f) => n + f.length, 0),
      addedBytes: 0,
    };
    this.snapshots.set(summary.id, { summary, request, files: new Map(this.files) });
    return { ...summary, timeline: { check: 0, drop: 0, state: 0, taken: 0, split: 0, compress: 0, write: 0, prune: 0 } };
  }

  async snapshotsCompacted(): Promise<void> {
    // (its snapshots are never compressed)
  }

  async listSnapshots(): Promise<SnapshotSummary[]> {
    return [...this.snapshots.values()].map((s) => s.summary).reverse();
  }

  private snapshot(id: string) {
    const found = this.snapshots.get(id);
    if (!found) throw new VmError("no-such-snapshot", "there is no such snapshot");
    return found;
  }

  async restoreSnapshot(id: string): Promise<RestoredSnapshot> {
    this.requireRunning();
    const saved = this.snapshot(id);
    this.abandonExecs();
    this.files.clear();
    for (const [path, content] of saved.files) this.files.set(path, content);
    return this.restored(saved);
  }

  private restored({ summary, request }: { summary: SnapshotSummary; request: SnapshotRequest }): RestoredSnapshot {
    return {
      summary,
      timeline: { read: 0, assemble: 0, restore: 0 },
      ...(request.lessonState !== undefined ? { lessonState: request.lessonState } : {}),
      ...(request.screens ? { screens: request.screens } : {}),
    };
  }

  async renameSnapshot(id: string, name: string): Promise<SnapshotSummary> {
    const found = this.snapshot(id);
    found.summary = { ...found.summary, name };
    return found.summary;
  }

  async deleteSnapshot(id: string): Promise<void> {
    this.snapshots.delete(id);
  }

  async exportSnapshot(id: string): Promise<Uint8Array> {
    return encoder.encode(`FAKE-SNAPSHOT ${JSON.stringify(this.snapshot(id).summary)}`);
  }

  async importSnapshot(file: Uint8Array): Promise<SnapshotSummary> {
    const text = decoder.decode(file);
    if (!text.startsWith("FAKE-SNAPSHOT ")) throw new VmError("bad-snapshot", "this file is not a Contained snapshot");
    const summary = { ...(JSON.parse(text.slice(14)) as SnapshotSummary), id: `fake-${this.nextId++}` };
    this.snapshots.set(summary.id, { summary, request: { name: summary.name, kind: summary.kind }, files: new Map(this.files) });
    return summary;
  }

  async storageEstimate(): Promise<StorageEstimate> {
    return { usage: null, quota: null, persisted: null, snapshotBytes: [...this.snapshots.values()].reduce((n, s) => n + s.summary.size, 0) };
  }

  async stop(): Promise<void> {
    this.setStatus("stopped");
  }

  async reset(): Promise<StartResult> {
    this.abandonExecs();
    this.setStatus("starting");
    this.lines.clear();
    this.files.clear();
    for (const [path, content] of this.initialFiles) this.files.set(path, content);
    return this.boot();
  }
}
