// The guest's ports, as the rest of the worker sees them: output in chunks, input that never
// overflows the guest. A port is an 8250 UART (one v86 event per byte; input paced, since the
// guest drops what its tty cannot take) or a port of the virtio console (a buffer per event;
// input waits in the guest's own queue until it has room: nothing is paced or dropped).
import type { PortEntry } from "./manifest";
import { onSerialByte, onVirtioConsoleOutput, sendSerialBytes, sendVirtioConsoleBytes, type V86 } from "./v86-events";

/** Serial bytes typed into a terminal go in at this pace, so the guest's tty never drops any. */
const SERIAL_SLICE = 512;
const SERIAL_INTERVAL_MS = 4;
/** How soon to try again when a virtio port has no free buffer (the guest is still reading). */
const VIRTIO_RETRY_MS = 1;

export interface PortIo {
  /** `listener` gets each chunk of output; the bytes are its own only during the call. */
  onOutput(listener: (bytes: Uint8Array) => void): () => void;
  /**
   * Queues bytes for the guest; they go in, in order, as fast as the guest takes them.
   * `typed`: keyboard input for a terminal, which a serial port takes only at a pace (SERIAL_SLICE).
   */
  send(bytes: Uint8Array, typed?: boolean): void;
  dispose(): void;
}

/** Input queued and fed in by `feed`, which takes what it can and says how much it took. */
class InputQueue {
  private readonly queue: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly feed: (bytes: Uint8Array) => number,
    private readonly retryMs: number,
  ) {}

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.queue.push(bytes.slice());
    this.pump();
  }

  private pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const taken = this.feed(head);
      if (taken === head.length) this.queue.shift();
      else {
        this.queue[0] = head.subarray(taken);
        break;
      }
    }
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, this.retryMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

class SerialPortIo implements PortIo {
  /** Typed input, paced; and the control agent's requests, which go in at once (it reads its port without pause). */
  private readonly typed: InputQueue;
  private readonly direct: InputQueue;

  constructor(
    private readonly emulator: V86,
    private readonly entry: PortEntry,
  ) {
    const feed = (slice: number) => (bytes: Uint8Array) => {
      const part = bytes.subarray(0, slice);
      sendSerialBytes(emulator, entry.index, part);
      return part.length;
    };
    this.typed = new InputQueue(feed(SERIAL_SLICE), SERIAL_INTERVAL_MS);
    this.direct = new InputQueue(feed(Infinity), SERIAL_INTERVAL_MS);
  }

  onOutput(listener: (bytes: Uint8Array) => void): () => void {
    const one = new Uint8Array(1);
    return onSerialByte(this.emulator, this.entry.index, (byte) => {
      one[0] = byte;
      listener(one);
    });
  }

  send(bytes: Uint8Array, typed = false): void {
    (typed ? this.typed : this.direct).push(bytes);
  }

  dispose(): void {
    this.typed.dispose();
    this.direct.dispose();
  }
}

class VirtioPortIo implements PortIo {
  private readonly input: InputQueue;

  constructor(
    private readonly emulator: V86,
    private readonly entry: PortEntry,
  ) {
    this.input = new InputQueue((bytes) => sendVirtioConsoleBytes(emulator, entry.index, bytes), VIRTIO_RETRY_MS);
  }

  onOutput(listener: (bytes: Uint8Array) => void): () => void {
    return onVirtioConsoleOutput(this.emulator, this.entry.index, listener);
  }

  send(bytes: Uint8Array): void {
    this.input.push(bytes);
  }

  dispose(): void {
    this.input.dispose();
  }
}

export function portIo(emulator: V86, entry: PortEntry): PortIo {
  return entry.device === "virtio-console" ? new VirtioPortIo(emulator, entry) : new SerialPortIo(emulator, entry);
}
