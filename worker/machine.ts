// One running v86 PC built from the manifest. It knows v86; it knows nothing about lessons.
import { joinPath, loadRaw } from "./artifacts";
import { ChunkedDisk, type ChunkLoader } from "./chunked-disk";
import type { Manifest, PortEntry } from "./manifest";
import { portIo, type PortIo } from "./ports";
import { WasmZstd } from "./zstd";
import type { RamlessState } from "./ramless-state";
import {
  V86,
  freshMemoryExports,
  guestMemory,
  limitJit,
  nonZeroRamBytes,
  pauseEmulator,
  resizeVirtioConsole,
  resumeDiskRead,
  resumeEmulator,
  whenLoaded,
  yieldInThisThread,
  type JitLimits,
  type V86Options,
} from "./v86-events";

export interface MachineFiles {
  /** v86.wasm, compiled: the emulator and the disk's zstd decoder are two instances of it. */
  wasm: WebAssembly.Module;
  bios: Uint8Array;
  vgaBios: Uint8Array;
  /** Boot from this state if given, else from the kernel. */
  state?: Uint8Array;
  /** For a state without RAM's pages (ramless-state.ts): what writes them as the state is restored. */
  ram?: Omit<RamlessState, "state">;
  kernel?: Uint8Array;
}

const PAGE_BYTES = 4096;

/**
 * v86's JIT compiles each hot stretch of guest code into a wasm module, and keeps finding new
 * ones (1-4 in each 5 MB flood, long after the first); V8 compiles each one again with TurboFan
 * once it runs hot, on the browser's background threads. TurboFan took 400-900 ms of a core for
 * a module of up to 3 pages (v86's default), and at a flood's start two or three such compiles
 * held both cores of a 2-core machine: the page's frames waited 100-200 ms. One page and 60
 * extra blocks a module halves the modules (the largest 45-76 KB of wasm, not 140-210 KB) and
 * the guest is faster for it, not slower (ARCHITECTURE.md has the figures).
 */
export const JIT_LIMITS: JitLimits = { maxPages: 1, maxExtraBasicBlocks: 60 };

/** How long a save (or restore) waits for the disk's reads in flight before it goes ahead anyway (see Machine.save). */
export const SAVE_WAITS_FOR_DISK_MS = 20_000;

export class OutOfMemoryError extends Error {
  readonly code = "out-of-memory";
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

export class Machine {
  private readonly ports = new Map<string, PortIo>();
  /** Why the emulator is stopped: pause() (the page asked), output held for the terminal, or a save or restore waiting for the disk. */
  private paused = false;
  private outputHeld = false;
  private heldForSave = false;
  private destroyed = false;
  /** what touchRam read (kept, so its reads are not optimised away) */
  private touched = 0;

  private constructor(
    readonly emulator: V86,
    readonly disk: ChunkedDisk,
  ) {}

  /**
   * `signal` gives up on a machine that is still loading: it is destroyed, and create() rejects
   * with the signal's reason (a state that turns out to be damaged may never finish restoring).
   * `v86Zeroing` restores with v86's own zeroing of all RAM instead of freshMemoryExports'
   * shortcut: only tests/integration/fresh-memory.test.ts, which compares the two, sets it.
   * `loadChunk` fetches the disk's chunks (tests slow it down; by default, `loadRaw`).
   */
  static async create(
    manifest: Manifest,
    imagesBase: string,
    files: MachineFiles,
    onDiskError: (message: string) => void,
    { signal, v86Zeroing = false, loadChunk }: { signal?: AbortSignal; v86Zeroing?: boolean; loadChunk?: ChunkLoader } = {},
  ): Promise<Machine> {
    const module = files.wasm;
    if (files.state && files.ram && files.ram.ramEnd > manifest.memorySize)
      throw new Error(`the state's RAM reaches ${files.ram.ramEnd >> 20} MB, past the machine's ${manifest.memorySize >> 20} MB`);
    const zstd = WasmZstd.for(module);
    let markRunning = () => {};
    const disk = new ChunkedDisk(
      joinPath(imagesBase, manifest.disk.path),
      manifest.disk.size,
      manifest.disk.chunkSize,
      loadChunk ?? ((_, url) => loadRaw(url)),
      (data, size) => zstd.decompress(data, size),
      onDiskError,
    );
    const options: V86Options = {
      wasm_fn: async (imports) => {
        const exports = (await WebAssembly.instantiate(module, imports)).exports;
        const patched = freshMemoryExports(exports, { zeroAll: v86Zeroing, writeRam: files.state ? files.ram?.writeRam : undefined });
        markRunning = patched.markRunning;
        return patched.exports;
      },
      memory_size: manifest.memorySize,
      vga_memory_size: manifest.vgaMemorySize,
      bios: { buffer: buffer(files.bios) },
      vga_bios: { buffer: buffer(files.vgaBios) },
      // v86 takes any object with its buffer interface; its types do not say so.
      hda: disk as unknown as V86Options["hda"],
      uart1: true,
      uart2: true,
      uart3: true,
      // (v86 takes `true` for a console with no adapter of its own; its types do not say so)
      virtio_console: Object.values(manifest.ports).some((p) => p.device === "virtio-console") as unknown as V86Options["virtio_console"],
      autostart: true,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    };
    // (an empty in-memory filesystem: v86 wants the object, with no base to load)
    if (manifest.sharedFolder) options.filesystem = {};
    if (files.state) options.initial_state = { buffer: buffer(files.state) };
    else if (files.kernel) {
      options.bzimage = { buffer: buffer(files.kernel) };
      options.cmdline = manifest.cmdline;
    } else throw new Error("a machine needs a state or a kernel");
    let emulator: V86;
    try {
      emulator = new V86(options);
    } catch (e) {
      if (e instanceof RangeError) throw new OutOfMemoryError(`not enough memory for a ${manifest.memorySize >> 20} MB machine: ${e.message}`);
      throw e;
    }
    // A boot from the kernel reads these at once; have them ready before it asks.
    if (!files.state && manifest.disk.bootChunks) void disk.prefetch(manifest.disk.bootChunks);
    try {
      await whenLoaded(emulator, signal); // a state given as initial_state is restored by now
    } catch (e) {
      await emulator.destroy().catch(() => {}); // it may have failed halfway through loading
      throw e;
    }
    markRunning();
    limitJit(emulator, JIT_LIMITS);
    yieldInThisThread(emulator);
    if (files.state) resumeDiskRead(emulator);
    return new Machine(emulator, disk);
  }

  private port(entry: PortEntry): PortIo {
    const key = `${entry.device}${entry.index}`;
    let io = this.ports.get(key);
    if (!io) this.ports.set(key, (io = portIo(this.emulator, entry)));
    return io;
  }

  /** Each chunk a port outputs (the bytes are the listener's only during the call). */
  onOutput(entry: PortEntry, listener: (bytes: Uint8Array) => void): () => void {
    return this.port(entry).onOutput(listener);
  }

  /** Sends bytes now (the control channel: the agent reads its port without pause). */
  sendNow(entry: PortEntry, bytes: Uint8Array): void {
    this.port(entry).send(bytes);
  }

  /** Queues keyboard input for a terminal, fed at a pace its tty can take. */
  type(entry: PortEntry, bytes: Uint8Array): void {
    this.port(entry).send(bytes, true);
  }

  /** A console port's size as the device tells it (an hvc tty keeps it for the next shell on it); nothing for a UART. */
  setConsoleSize(entry: PortEntry, rows: number, cols: number): void {
    if (entry.device === "virtio-console") resizeVirtioConsole(this.emulator, entry.index, rows, cols);
  }

  /**
   * Holds the guest still while its terminal is behind with the output (see output-batcher.ts),
   * until releaseOutput(); apart from pause(): the machine runs only when neither holds it.
   */
  holdForOutput(): void {
    this.outputHeld = true;
    pauseEmulator(this.emulator);
  }

  releaseOutput(): void {
    this.outputHeld = false;
    if (!this.paused && !this.heldForSave) resumeEmulator(this.emulator);
  }

  /** The guest's RAM (tests compare machines with it). */
  memory(): Uint8Array {
    return guestMemory(this.emulator);
  }

  /**
   * Bytes of RAM in non-zero 4 KiB pages: what save_state would pack (it saves only those), found
   * without taking a state; `every`: estimated from one page in that many.
   */
  nonZeroRamBytes(every = 1): number {
    return nonZeroRamBytes(this.emulator, every);
  }

  /**
   * Reads a byte of each page of RAM, 8 MB at a time between the emulator's own slices. The
   * pages a start left untouched (zeros) are mapped by the host on their first read, and that
   * was a cost of the first save after a start: its scan of RAM took 72-79 ms in Node, the next
   * 22 ms, and the save itself 62-86 ms against 45. Done while the lab is idle after a start
   * (vm-service.ts), the first save does not pay it.
   */
  async touchRam(): Promise<void> {
    const step = 8 << 20;
    for (let start = 0; ; start += step) {
      if (this.destroyed) return;
      const memory = this.memory();
      if (start >= memory.length) return;
      let seen = 0;
      for (let at = start, end = Math.min(start + step, memory.length); at < end; at += PAGE_BYTES) seen |= memory[at];
      this.touched |= seen;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  instructionCount(): number {
    return this.emulator.get_instruction_counter();
  }

  /** Halts the processor (the machine is kept as it is). */
  async pause(): Promise<void> {
    this.paused = true;
    await this.emulator.stop();
  }

  async resume(): Promise<void> {
    this.paused = false;
    if (!this.outputHeld && !this.heldForSave) await this.emulator.run();
  }

  /**
   * The machine's state, taken with no disk read in flight: v86 would save the guest's disk
   * command without the read behind it, and a machine restored from that state (in another
   * worker: the next visit's resume) waited for its disk until Linux gave up on the command
   * after 30 s and reset it (`ata1.00: exception ... (timeout)` in the guest's log).
   */
  save(): Promise<Uint8Array> {
    return this.withDiskSettled(async () => new Uint8Array(await this.emulator.save_state()));
  }

  /** Restores a state, once no read is in flight: one finishing after it would write into the restored machine. */
  restore(state: Uint8Array): Promise<void> {
    return this.withDiskSettled(async () => {
      await this.emulator.restore_state(buffer(state));
      resumeDiskRead(this.emulator);
    });
  }

  /**
   * Runs `work` with no disk read in flight. While reads wait for their chunks, the processor is
   * held still (it would only ask for more), for at most `diskWaitMs`; past that, `work` runs
   * anyway (a state so taken makes its guest wait for its disk's timeout, and recover).
   */
  private async withDiskSettled<T>(work: () => Promise<T>, diskWaitMs = SAVE_WAITS_FOR_DISK_MS): Promise<T> {
    if (this.disk.readsInFlight === 0) return work();
    this.heldForSave = true;
    try {
      await this.emulator.stop();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.disk.whenNoReadsInFlight(), new Promise((resolve) => (timer = setTimeout(resolve, diskWaitMs)))]);
      clearTimeout(timer);
      return await work();
    } finally {
      this.heldForSave = false;
      if (!this.paused && !this.outputHeld) await this.emulator.run();
    }
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const io of this.ports.values()) io.dispose();
    this.ports.clear();
    await this.emulator.destroy();
  }
}
