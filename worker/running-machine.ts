// A machine that is running, with what exists only while it does: its control channel, the
// output batchers of the learner's terminals (paced, when the UI says what it drew), and the busy
// sampling. Made once v86 has loaded; destroy() ends all of it.
import type { ExecOptions, ExecResult, TerminalId } from "./api";
import { ControlChannel } from "./control";
import { VmError, toVmError } from "./errors";
import type { Machine } from "./machine";
import type { Manifest } from "./manifest";
import { MachinePacer, OutputBatcher } from "./output-batcher";
import { SharedFolder, withSharedFolder } from "./shared-folder";

/** Instructions per second above which the guest counts as busy (an idle guest halts). */
const BUSY_INSTRUCTIONS_PER_SECOND = 30_000_000;
const BUSY_SAMPLE_MS = 1000;
/**
 * The page cache is looked at (dropWhenIdle) once the guest has moved this many bytes through
 * its disk since the last look, then read nothing from it for QUIET_SAMPLES samples in a row and
 * is not busy. (The disk, not the instruction rate: reading a big file is mostly the disk's work,
 * ~8 M instructions a second in Node, and a guest answering a check every half second runs 3-5 M.)
 */
const DISK_BYTES_BEFORE_LOOK = 8 << 20;
const QUIET_SAMPLES = 2;
/** How much RAM a dropped page cache may leave before it is worth dropping again. */
const DROP_MARGIN = 16 << 20;
/** Whether to drop is judged from one page of RAM in this many (fresh-memory.test.ts: within 2 MB of the count). */
const RAM_SAMPLE = 8;
/** How long a save waits for a transfer to leave the shared folder before it empties it anyway. */
const SAVE_WAITS_FOR_TRANSFER_MS = 120_000;

export interface MachineListener {
  /** Bytes a learner's terminal printed (batched). */
  output(terminal: TerminalId, data: Uint8Array): void;
  /** The guest's instruction rate, sampled every second, says whether it is busy. */
  busy(busy: boolean): void;
}

export class RunningMachine {
  readonly control: ControlChannel;
  /** The folder transfers go through (null on an image without one). */
  readonly folder: SharedFolder | null;
  private readonly disposers: Array<() => void> = [];
  private readonly batchers = new Map<TerminalId, OutputBatcher>();
  private readonly pacer: MachinePacer | null;
  private readonly busyTimer: ReturnType<typeof setInterval>;

  /**
   * `pacedOutput`: see StartOptions. `dropWhenIdle` (StartOptions.autosaves): once the guest is
   * idle after work, its page cache is dropped if it grew (dropPageCacheIfGrown).
   */
  constructor(
    readonly machine: Machine,
    readonly manifest: Manifest,
    listener: MachineListener,
    { pacedOutput = false, dropWhenIdle = false }: { pacedOutput?: boolean; dropWhenIdle?: boolean } = {},
  ) {
    const ports = manifest.ports;
    const control = new ControlChannel((bytes) => machine.sendNow(ports.control, bytes));
    this.control = control;
    this.folder = manifest.sharedFolder ? new SharedFolder(machine.emulator) : null;
    this.disposers.push(machine.onOutput(ports.control, (bytes) => control.receive(bytes)));
    const pacer = pacedOutput
      ? new MachinePacer(
          () => machine.holdForOutput(),
          () => machine.releaseOutput(),
        )
      : null;
    this.pacer = pacer;
    for (const terminal of ["main", "second"] as const) {
      const pacing = pacer ? { onBacklog: (backlogged: boolean) => pacer.backlog(terminal, backlogged) } : undefined;
      const batcher = new OutputBatcher((data) => listener.output(terminal, data), undefined, pacing);
      this.batchers.set(terminal, batcher);
      this.disposers.push(machine.onOutput(ports[terminal], (bytes) => batcher.push(bytes)));
    }
    this.busyTimer = this.watchBusy(listener, dropWhenIdle);
  }

  private watchBusy(listener: MachineListener, dropWhenIdle: boolean): ReturnType<typeof setInterval> {
    let last = this.machine.instructionCount();
    let lastAt = performance.now();
    const disk = this.machine.disk;
    const moved = () => disk.bytesRead + disk.bytesWritten;
    let movedAtLook = moved();
    let read = disk.bytesRead;
    let quietSamples = 0;
    return setInterval(() => {
      const count = this.machine.instructionCount();
      const now = performance.now();
      // The counter is 32 bits and wraps.
      const rate = (((count - last) >>> 0) * 1000) / Math.max(1, now - lastAt);
      last = count;
      lastAt = now;
      const busy = rate > BUSY_INSTRUCTIONS_PER_SECOND;
      listener.busy(busy);
      if (!dropWhenIdle) return;
      quietSamples = disk.bytesRead === read && !busy ? quietSamples + 1 : 0;
      read = disk.bytesRead;
      if (moved() - movedAtLook > DISK_BYTES_BEFORE_LOOK && quietSamples >= QUIET_SAMPLES) {
        movedAtLook = moved();
        // (a restore or reset abandons it; the save after it looks again)
        this.dropPageCacheIfGrown().catch(() => {});
      }
    }, BUSY_SAMPLE_MS);
  }

  /** Waits for the agent: its announcement after a boot, else the answer to setting the clock. */
  async agentReady(from: "state" | "kernel"): Promise<void> {
    if (from === "kernel") await this.control.nextReady();
    else await this.control.setTime(Date.now()); // its answer also says the agent is alive
  }

  write(terminal: TerminalId, data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    this.machine.type(this.manifest.ports[terminal], bytes);
    this.pacer?.inputTyped();
  }

  /** The UI has drawn `bytes` more of a terminal's output. */
  outputDrawn(terminal: TerminalId, bytes: number): void {
    this.batchers.get(terminal)?.drawn(bytes);
  }

  async resize(terminal: TerminalId, rows: number, cols: number): Promise<void> {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows > 1000 || cols > 1000) {
      throw new VmError("internal", `bad terminal size ${rows}x${cols}`);
    }
    const port = this.manifest.ports[terminal];
    // The device's own resize too: a hung-up hvc tty (a shell killed, init starting another)
    // comes back with the size its port last heard of, not the one the agent set.
    this.machine.setConsoleSize(port, rows, cols);
    await this.control.setWindow(port.tty, rows, cols);
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    if (options?.sharedFolder) {
      this.sharedFolder(); // (throws on an image without one)
      command = withSharedFolder(command);
    }
    try {
      return await this.control.exec(command, options);
    } catch (e) {
      throw toVmError(e);
    }
  }

  sharedFolder(): SharedFolder {
    if (!this.folder) throw new VmError("internal", "this machine's image has no shared folder for file transfers");
    return this.folder;
  }

  /** Non-zero RAM (bytes) above which the guest's page cache is worth dropping (dropPageCacheIfGrown). */
  ramWorthDropping = 24 << 20;
  private dropping: Promise<void> | null = null;

  /**
   * Drops the guest's clean page cache when its RAM holds much more than after the last drop
   * (after a big unpack, say): cached file pages would be new RAM blocks in the next save, and
   * the files are in the disk's blocks already (dirty pages stay in RAM, saved once). A save
   * calls it (snapshots.ts), and so does the guest's going idle after work when the caller
   * saves automatically: the drop was 0.9-1.2 s of a 1.3-2.3 s save after the minbase unpack in
   * Node, and the save 5 s after the command's prompt (or at pagehide) then finds it done. RAM
   * is counted from one page in RAM_SAMPLE, not by taking a state to look. Waits for a drop
   * under way first; says how long the look (`check`) and the drop, with that wait, took (ms).
   */
  async dropPageCacheIfGrown(): Promise<{ check: number; drop: number }> {
    let t0 = performance.now();
    while (this.dropping) await this.dropping.catch(() => {});
    const waited = performance.now() - t0;
    t0 = performance.now();
    const ram = this.machine.nonZeroRamBytes(RAM_SAMPLE);
    const check = performance.now() - t0;
    if (ram <= this.ramWorthDropping) return { check, drop: waited };
    t0 = performance.now();
    const drop = (async () => {
      await this.releasePageCache();
      this.ramWorthDropping = Math.max(this.ramWorthDropping, this.machine.nonZeroRamBytes(RAM_SAMPLE) + DROP_MARGIN);
    })();
    this.dropping = drop;
    try {
      await drop;
    } finally {
      this.dropping = null;
    }
    return { check, drop: waited + performance.now() - t0 };
  }

  /**
   * Gives the guest's clean page cache back (freed pages are zero: init_on_free=1, and v86 saves
   * only non-zero pages). Dirty pages are not written back first: after an unpack that writeback
   * (sync) cost 1.5-14 s of the guest's time where the drop alone cost 1.2-2.1 s, and a dirty
   * page is saved once either way, in RAM instead of in the disk's blocks.
   */
  async releasePageCache(): Promise<void> {
    await this.exec(this.releaseCommand, { timeoutMs: 30_000 });
  }

  /** The guest's command that gives its page cache back (the bench sets the one before beside it). */
  releaseCommand = "echo 1 > /proc/sys/vm/drop_caches";

  /**
   * The raw v86 state, taken while the agent is idle (so a restore never finds it mid-request)
   * and the shared folder is empty: its files would be in the state. A save during a transfer
   * waits for it to end (a transfer left unfinished for SAVE_WAITS_FOR_TRANSFER_MS loses its
   * files, and fails).
   */
  async saveRaw(): Promise<Uint8Array> {
    const folder = this.folder;
    const deadline = performance.now() + SAVE_WAITS_FOR_TRANSFER_MS;
    for (;;) {
      const waitFor = () => folder !== null && folder.inUse && performance.now() < deadline;
      if (waitFor()) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([folder!.whenEmpty(), new Promise((resolve) => (timer = setTimeout(resolve, deadline - performance.now())))]);
        clearTimeout(timer);
        continue;
      }
      const state = await this.control.exclusive(async () => {
        if (waitFor()) return null; // a transfer began meanwhile: wait for it (outside, so its requests can run)
        if (folder) {
          await folder.clear();
          folder.scrub();
        }
        return this.machine.save();
      });
      if (state) return state;
    }
  }

  /**
   * Restores a raw v86 state; on failure the machine goes back to where it was. Requests in
   * flight or queued are abandoned (they were for the machine being replaced).
   */
  async restoreRaw(state: Uint8Array): Promise<void> {
    this.control.abandon();
    await this.control.exclusive(async () => {
      const rollback = await this.machine.save();
      try {
        await this.machine.restore(state);
      } catch (e) {
        await this.machine.restore(rollback);
        throw new VmError("bad-state", `the state could not be restored: ${(e as Error).message}`);
      } finally {
        // the folder is now the restored state's (empty: saves wait for it), or the rollback's
        await this.folder?.clear();
      }
    });
    await this.control.setTime(Date.now()); // its answer also says the agent is alive
  }

  async destroy(): Promise<void> {
    clearInterval(this.busyTimer);
    for (const d of this.disposers) d();
    for (const b of this.batchers.values()) {
      b.flush();
      b.dispose();
    }
    this.pacer?.dispose();
    this.control.abandon();
    await this.machine.destroy();
  }
}
