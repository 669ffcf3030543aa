// A worker of block-compressor.ts's: compresses a save's blocks, and decompresses a restore's,
// off the emulator's thread. Batches: one message for many blocks.
import { expose, transfer } from "comlink";
import { compressBlock, readBlock, type StoredBlock } from "./block-codec";
import type { BlockCodec } from "./block-compressor";

const buffers = (blocks: Array<Uint8Array | string>) => blocks.flatMap((b) => (typeof b === "string" ? [] : [b.buffer as ArrayBuffer]));

expose({
  async compress(blocks: Uint8Array[]): Promise<Uint8Array[]> {
    const stored = await Promise.all(blocks.map(compressBlock));
    return transfer(stored, buffers(stored));
  },
  async read(blocks: StoredBlock[], sizes: number[]): Promise<Array<Uint8Array | string>> {
    const read = await Promise.all(blocks.map((block, i) => readBlock(block, sizes[i]).catch((e: Error) => e.message)));
    return transfer(read, buffers(read));
  },
} satisfies BlockCodec);
