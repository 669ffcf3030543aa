// The worker of block-compressor.ts: compresses blocks off the emulator's thread (the pass
// after a save, or a save where storage is too full for raw blocks). Batches: one message for many.
import { expose, transfer } from "comlink";
import { compressBlock } from "./block-codec";
import type { BlockCodec } from "./block-compressor";

const buffers = (blocks: Uint8Array[]) => blocks.map((b) => b.buffer as ArrayBuffer);

expose({
  async compress(blocks: Uint8Array[]): Promise<Uint8Array[]> {
    const stored = await Promise.all(blocks.map(compressBlock));
    return transfer(stored, buffers(stored));
  },
} satisfies BlockCodec);
