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

export function sendSerialBytes(emulator: V86, port: SerialIndex, bytes: Uint8Array): void {
  emulator.serial_send_bytes(port, bytes);
}

export function whenLoaded(emulator: V86): Promise<void> {
  return new Promise((resolve) => {
    const listener = () => {
      emulator.remove_listener("emulator-loaded", listener);
      resolve();
    };
    emulator.add_listener("emulator-loaded", listener);
  });
}
