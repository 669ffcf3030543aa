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

  /** `pacedOutput`: see StartOptions. */
  constructor(
    readonly machine: Machine,
    readonly manifest: Manifest,
    listener: MachineListener,
    { pacedOutput = false }: { pacedOutput?: boolean } = {},
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
    this.busyTimer = this.watchBusy(listener);
  }

  private watchBusy(listener: MachineListener): ReturnType<typeof setInterval> {
    let last = this.machine.instructionCount();
    let lastAt = performance.now();
    return setInterval(() => {
      const count = this.machine.instructionCount();
      const now = performance.now();
      // The counter is 32 bits and wraps.
      const rate = (((count - last) >>> 0) * 1000) / Math.max(1, now - lastAt);
      last = count;
      lastAt = now;
      listener.busy(rate > BUSY_INSTRUCTIONS_PER_SECOND);
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

  /** Non-zero RAM (bytes) above which a save drops the guest's page cache first (see snapshots.ts). */
  ramWorthDropping = 24 << 20;

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
