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
 * the memory after such a restore with v86's own.
 */
export function freshMemoryExports(exports: WebAssembly.Exports): { exports: WebAssembly.Exports; markRunning: () => void } {
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
      const end = Math.min(addr + size, LOW_MEMORY);
      if (end > addr) new Uint8Array(memory.buffer, base + addr, end - addr).fill(0);
    },
  };
  return { exports: patched, markRunning: () => (fresh = false) };
}

/** The guest's RAM as v86 holds it (for tests that compare machines byte for byte). */
export function guestMemory(emulator: V86): Uint8Array {
  return (emulator as unknown as { v86: { cpu: { mem8: Uint8Array } } }).v86.cpu.mem8;
}
