// One running v86 PC built from the manifest. It knows v86; it knows nothing about lessons.
import { joinPath, loadRaw } from "./artifacts";
import { ChunkedDisk } from "./chunked-disk";
import type { Manifest } from "./manifest";
import { WasmZstd } from "./zstd";
import { V86, freshMemoryExports, guestMemory, onSerialByte, sendSerialBytes, whenLoaded, type SerialIndex, type V86Options } from "./v86-events";

export interface MachineFiles {
  /** v86.wasm, compiled: the emulator and the disk's zstd decoder are two instances of it. */
  wasm: WebAssembly.Module;
  bios: Uint8Array;
  vgaBios: Uint8Array;
  /** Boot from this state if given, else from the kernel. */
  state?: Uint8Array;
  kernel?: Uint8Array;
}

export class OutOfMemoryError extends Error {
  readonly code = "out-of-memory";
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/** Bytes typed into a serial port go in at this pace, so the guest's tty never drops any. */
const INPUT_SLICE = 512;
const INPUT_INTERVAL_MS = 4;

export class Machine {
  private readonly inputQueues = new Map<SerialIndex, Uint8Array[]>();
  private inputTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    readonly emulator: V86,
    readonly disk: ChunkedDisk,
  ) {}

  /**
   * `signal` gives up on a machine that is still loading: it is destroyed, and create() rejects
   * with the signal's reason (a state that turns out to be damaged may never finish restoring).
   * `v86Zeroing` restores with v86's own zeroing of all RAM instead of freshMemoryExports'
   * shortcut: only tests/integration/fresh-memory.test.ts, which compares the two, sets it.
   */
  static async create(
    manifest: Manifest,
    imagesBase: string,
    files: MachineFiles,
    onDiskError: (message: string) => void,
    { signal, v86Zeroing = false }: { signal?: AbortSignal; v86Zeroing?: boolean } = {},
  ): Promise<Machine> {
    const module = files.wasm;
    const zstd = WasmZstd.for(module);
    let markRunning = () => {};
    const disk = new ChunkedDisk(
      joinPath(imagesBase, manifest.disk.path),
      manifest.disk.size,
      manifest.disk.chunkSize,
      (_, url) => loadRaw(url),
      (data, size) => zstd.decompress(data, size),
      onDiskError,
    );
    const options: V86Options = {
      wasm_fn: async (imports) => {
        const exports = (await WebAssembly.instantiate(module, imports)).exports;
        if (v86Zeroing) return exports;
        const patched = freshMemoryExports(exports);
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
      autostart: true,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    };
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
    return new Machine(emulator, disk);
  }

  onSerial(port: SerialIndex, listener: (byte: number) => void): () => void {
    return onSerialByte(this.emulator, port, listener);
  }

  /** Sends bytes now (the control channel: the agent reads its port without pause). */
  sendNow(port: SerialIndex, bytes: Uint8Array): void {
    sendSerialBytes(this.emulator, port, bytes);
  }

  /** Queues keyboard input for a terminal, fed at a pace a tty can take. */
  type(port: SerialIndex, bytes: Uint8Array): void {
    const queue = this.inputQueues.get(port) ?? [];
    queue.push(bytes);
    this.inputQueues.set(port, queue);
    this.pumpInput();
  }

  private pumpInput(): void {
    if (this.inputTimer) return;
    let sent = false;
    for (const [port, queue] of this.inputQueues) {
      const head = queue[0];
      if (!head) continue;
      const slice = head.subarray(0, INPUT_SLICE);
      sendSerialBytes(this.emulator, port, slice);
      sent = true;
      if (slice.length === head.length) queue.shift();
      else queue[0] = head.subarray(slice.length);
    }
    if (!sent) return;
    this.inputTimer = setTimeout(() => {
      this.inputTimer = null;
      this.pumpInput();
    }, INPUT_INTERVAL_MS);
  }

  /** The guest's RAM (tests compare machines with it). */
  memory(): Uint8Array {
    return guestMemory(this.emulator);
  }

  instructionCount(): number {
    return this.emulator.get_instruction_counter();
  }

  /** Halts the processor (the machine is kept as it is). */
  async pause(): Promise<void> {
    await this.emulator.stop();
  }

  async resume(): Promise<void> {
    await this.emulator.run();
  }

  async save(): Promise<Uint8Array> {
    return new Uint8Array(await this.emulator.save_state());
  }

  async restore(state: Uint8Array): Promise<void> {
    await this.emulator.restore_state(buffer(state));
  }

  async destroy(): Promise<void> {
    if (this.inputTimer) clearTimeout(this.inputTimer);
    this.inputQueues.clear();
    await this.emulator.destroy();
  }
}
