// The part of v86's untyped API that we use, typed. Only worker/ imports v86.
import { V86, type V86Options } from "v86";

export { V86 };
export type { V86Options };

export type SerialIndex = 0 | 1 | 2 | 3;

/** v86 reports every serial byte as its own event. */
export function onSerialByte(emulator: V86, port: SerialIndex, listener: (byte: number) => void): () => void {
  const event = `serial${port}-output-byte` as const;
  emulator.add_listener(event, listener);
  return () => emulator.remove_listener(event, listener);
}

/**
 * Sends bytes to a serial port, and wakes the emulator: an idle guest (halted) has v86 sleep
 * until its next timer (up to 10 ms with the guest's 100 Hz tick), and input does not end that
 * sleep. A new tick now is v86's own way to run again (it drops the sleeping one).
 */
export function sendSerialBytes(emulator: V86, port: SerialIndex, bytes: Uint8Array): void {
  emulator.serial_send_bytes(port, bytes);
  const v86 = (emulator as unknown as { v86?: { running: boolean; next_tick(ms: number): void } }).v86;
  if (v86?.running) v86.next_tick(0);
}

/** v86's virtio console reports each buffer the guest sends (up to a page) as one event. */
export function onVirtioConsoleOutput(emulator: V86, port: SerialIndex, listener: (bytes: Uint8Array) => void): () => void {
  const event = `virtio-console${port}-output-bytes`;
  const bus = emulator as unknown as {
    add_listener(e: string, l: (b: Uint8Array) => void): void;
    remove_listener(e: string, l: (b: Uint8Array) => void): void;
  };
  bus.add_listener(event, listener);
  return () => bus.remove_listener(event, listener);
}

/** The part of v86's virtqueue we use: the guest's receive buffers for one port. */
interface VirtQueue {
  is_configured(): boolean;
  has_request(): boolean;
  pop_request(): { length_writable: number; set_next_blob(bytes: Uint8Array): number };
  push_reply(chain: unknown): void;
  flush_replies(): void;
}

/**
 * Puts as much of `bytes` as the guest has buffers for into a virtio console port; returns how
 * many bytes went in. (v86's own `virtio-consoleN-input-bytes` drops what finds no buffer, and
 * cuts what is longer than the one it finds.) Wakes the emulator, as sendSerialBytes does.
 */
export function sendVirtioConsoleBytes(emulator: V86, port: SerialIndex, bytes: Uint8Array): number {
  const v86 = (
    emulator as unknown as {
      v86: { running: boolean; next_tick(ms: number): void; cpu: { devices: { virtio_console?: { virtio: { queues: VirtQueue[] } } } } };
    }
  ).v86;
  const device = v86.cpu.devices.virtio_console;
  if (!device) throw new Error("the machine has no virtio console");
  // Port 0 receives on queue 0, port N on queue 2N + 2 (1 and 3 are port 0's transmit and control).
  const queue = device.virtio.queues[port === 0 ? 0 : 2 * port + 2];
  if (!queue.is_configured()) return 0; // the guest's driver has not set the port up yet
  let sent = 0;
  while (sent < bytes.length && queue.has_request()) {
    const chain = queue.pop_request();
    sent += chain.set_next_blob(bytes.subarray(sent, sent + chain.length_writable));
    queue.push_reply(chain);
  }
  if (sent > 0) {
    queue.flush_replies();
    if (v86.running) v86.next_tick(0);
  }
  return sent;
}

/**
 * Tells the guest a virtio console port's size (its hvc tty remembers it, and a shell started on
 * the port later gets it). v86 sends rows before columns, the order Linux read them in until
 * it followed the virtio spec (columns first; our 6.1.192 does): so the pair goes in swapped.
 */
export function resizeVirtioConsole(emulator: V86, port: SerialIndex, rows: number, cols: number): void {
  (emulator as unknown as { bus: { send(event: string, data: number[]): void } }).bus.send(`virtio-console${port}-resize`, [rows, cols]);
}

interface V86Loop {
  running: boolean;
  stop(): void;
  run(): void;
}

/** Stops the emulator after its current slice (v86's own stop, without waiting for it). */
export function pauseEmulator(emulator: V86): void {
  (emulator as unknown as { v86: V86Loop }).v86.stop();
}

/** How much guest code one module of v86's JIT may hold (its own defaults: 3 pages, 250 extra basic blocks). */
export interface JitLimits {
  maxPages: number;
  maxExtraBasicBlocks: number;
}

type JitConfig = { set_jit_config(index: number, value: number): void; get_jit_config(index: number): number };
const jitConfig = (emulator: V86) => (emulator as unknown as { v86: { cpu: { wm: { exports: JitConfig } } } }).v86.cpu.wm.exports;

/** Sets v86's JIT limits (its `set_jit_config`: 1 is MAX_PAGES, 3 MAX_EXTRA_BASIC_BLOCKS); modules compiled from then on keep to them. */
export function limitJit(emulator: V86, limits: JitLimits): void {
  const config = jitConfig(emulator);
  config.set_jit_config(1, limits.maxPages);
  config.set_jit_config(3, limits.maxExtraBasicBlocks);
}

/** The JIT limits v86 compiles to now. */
export function jitLimits(emulator: V86): JitLimits {
  const config = jitConfig(emulator);
  return { maxPages: config.get_jit_config(1), maxExtraBasicBlocks: config.get_jit_config(3) };
}

/** Runs the emulator again after pauseEmulator (a pause not yet taken is called off). */
export function resumeEmulator(emulator: V86): void {
  (emulator as unknown as { v86: V86Loop }).v86.run();
}

/** The part of v86's IDE disk a restored read needs. */
interface IdeChannel {
  dma_status: number;
  current_interface?: { current_command: number; in_progress_io_ids?: Map<number, unknown>; do_ata_read_sectors_dma(): void };
}
const READ_DMA = [0xc8, 0x25]; // READ DMA, READ DMA EXT

/**
 * Asks again for the disk read a restored state was waiting for: v86 saves a DMA read's command
 * (started, busy) but not the host's read behind it, so a machine restored from a state taken
 * mid-read (as snapshots were before Machine.save waited for the disk) waited until Linux's
 * SCSI timeout (30 s) reset the disk. The command's registers are as the guest set them (v86
 * moves them on only once the read is done), so the same read is made. True if there was one.
 */
export function resumeDiskRead(emulator: V86): boolean {
  const ide = (emulator as unknown as { v86?: { cpu?: { devices?: { ide?: { primary?: IdeChannel } } } } }).v86?.cpu?.devices?.ide;
  const channel = ide?.primary;
  const drive = channel?.current_interface;
  if (!channel || !drive || !(channel.dma_status & 1) || !READ_DMA.includes(drive.current_command) || (drive.in_progress_io_ids?.size ?? 0) > 0) return false;
  drive.do_ata_read_sectors_dma();
  return true;
}

/** Resolves once v86 has loaded (and restored its initial state); rejects if `signal` aborts first. */
export function whenLoaded(emulator: V86, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = () => {
      emulator.remove_listener("emulator-loaded", listener);
      signal?.removeEventListener("abort", aborted);
      resolve();
    };
    const aborted = () => {
      emulator.remove_listener("emulator-loaded", listener);
      reject(signal!.reason);
    };
    if (signal?.aborted) return aborted();
    signal?.addEventListener("abort", aborted, { once: true });
    emulator.add_listener("emulator-loaded", listener);
  });
}

/** The low 1 MiB of guest RAM: where v86 copies the BIOS and VGA BIOS before a restore. */
const LOW_MEMORY = 1 << 20;

/**
 * v86's wasm exports, with one change: while the machine has not run yet, `zero_memory` (which
 * restore_state calls over all of guest RAM before it copies the state's non-zero pages in)
 * clears only the low 1 MiB, the one part v86 has written to by then. The rest of a fresh
 * WebAssembly memory is zero already, and writing zeros to it would make the host commit every
 * page of it: 0.4-0.5 s for 128 MB, most of a restore. Once the machine runs (`markRunning`),
 * zero_memory clears everything, as v86 does. tests/integration/fresh-memory.test.ts compares
 * the memory after such a restore with v86's own. `zeroAll`: clear everything all the same (that
 * test's reference).
 *
 * `writeRam`: for a state given without RAM's pages (ramless-state.ts), writes them into the
 * guest's RAM, once cleared, at that first restore (v86 then finds no page to copy in).
 */
export function freshMemoryExports(
  exports: WebAssembly.Exports,
  { zeroAll = false, writeRam }: { zeroAll?: boolean; writeRam?: (memory: Uint8Array) => void } = {},
): { exports: WebAssembly.Exports; markRunning: () => void } {
  const memory = exports.memory as WebAssembly.Memory;
  const allocate = exports.allocate_memory as (size: number) => number;
  const zero = exports.zero_memory as (addr: number, size: number) => void;
  let base = -1;
  let fresh = true;
  const patched: WebAssembly.Exports = {
    ...exports,
    allocate_memory: (size: number) => (base = allocate(size) >>> 0),
    zero_memory: (addr: number, size: number) => {
      if (!fresh || base < 0) return zero(addr, size);
      if (zeroAll) zero(addr, size);
      else {
        const end = Math.min(addr + size, LOW_MEMORY);
        if (end > addr) new Uint8Array(memory.buffer, base + addr, end - addr).fill(0);
      }
      const write = writeRam;
      writeRam = undefined; // (once; and its pages are let go)
      if (write && addr === 0) write(new Uint8Array(memory.buffer, base, size));
    },
  };
  return { exports: patched, markRunning: () => (fresh = false) };
}

/**
 * Bytes of the guest's RAM in non-zero 4 KiB pages, found by v86's own `is_memory_zeroed` (the
 * wasm function save_state packs RAM by): 23-57 ms for 128 MB in Node here, where a scan in
 * JavaScript took 67-186 ms. `every`: looks at one page in that many, and counts it for them
 * all (an estimate, for a save's choice whether to drop the page cache first: the whole scan
 * was 100-145 ms of a booted lab's save in Chromium here).
 */
export function nonZeroRamBytes(emulator: V86, every = 1): number {
  const cpu = (emulator as unknown as { v86: { cpu: { mem8: Uint8Array; is_memory_zeroed(addr: number, length: number): boolean } } }).v86.cpu;
  let pages = 0;
  for (let at = 0; at + PAGE <= cpu.mem8.length; at += every * PAGE) if (!cpu.is_memory_zeroed(at, PAGE)) pages++;
  return pages * every * PAGE;
}

const PAGE = 4096;

/** The guest's RAM as v86 holds it (for tests that compare machines byte for byte). */
export function guestMemory(emulator: V86): Uint8Array {
  return (emulator as unknown as { v86: { cpu: { mem8: Uint8Array } } }).v86.cpu.mem8;
}

interface V86Yield {
  running: boolean;
  tick_counter: number;
  worker: Worker | null;
  yield(ms: number, tick: number): void;
  yield_callback(tick: number): void;
  next_tick(ms: number): void;
  unregister_yield(): void;
}

/**
 * Has v86 yield between its slices within this thread. In a Web Worker v86 waits out each yield
 * in a nested worker of its own (a message there and back: setTimeout would be clamped to 4 ms
 * once nested), so every slice and every wake for input went through another thread; with two
 * busy cores that hop took milliseconds. Here a yield of no time is a message to this thread's
 * own MessageChannel (not clamped), and a longer one a scheduler.postTask delay (a setTimeout
 * where there is none). Nothing changes where v86 yields without a worker (Node).
 */
export function yieldInThisThread(emulator: V86): void {
  const v86 = (emulator as unknown as { v86?: V86Yield }).v86;
  if (!v86?.worker || typeof MessageChannel === "undefined") return;
  const channel = new MessageChannel();
  channel.port1.onmessage = (event: MessageEvent<number>) => v86.yield_callback(event.data);
  const scheduler = (globalThis as { scheduler?: { postTask?(task: () => void, options: { delay: number; signal?: AbortSignal }): Promise<void> } }).scheduler;
  const postTask = scheduler?.postTask?.bind(scheduler);
  let cancelLater = () => {};
  v86.yield = (ms, tick) => {
    cancelLater(); // (v86's own yield drops the wait before too: a tick counts only if it is the newest)
    cancelLater = () => {};
    if (!(ms >= 1)) channel.port2.postMessage(tick);
    else if (postTask) {
      const abort = new AbortController();
      postTask(() => v86.yield_callback(tick), { delay: ms, signal: abort.signal }).catch(() => {});
      cancelLater = () => abort.abort();
    } else {
      const timer = setTimeout(() => v86.yield_callback(tick), ms);
      cancelLater = () => clearTimeout(timer);
    }
  };
  v86.unregister_yield(); // its worker goes; a tick it still had is taken over below
  v86.unregister_yield = () => {
    cancelLater();
    channel.port1.close();
  };
  if (v86.running) v86.next_tick(0);
}
