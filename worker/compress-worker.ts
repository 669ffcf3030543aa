// A worker of block-compressor.ts's: compresses a save's blocks, and opens (decompresses and
// checks) a restore's, off the emulator's thread. Batches: one message for many blocks.
import { expose, transfer } from "comlink";
import { compressBlock, openBlock, type StoredBlock } from "./block-codec";
import type { BlockCodec, OpenRequest } from "./block-compressor";

const buffers = (blocks: Array<Uint8Array | string>) => blocks.flatMap((b) => (typeof b === "string" ? [] : [b.buffer as ArrayBuffer]));

expose({
  async compress(blocks: Uint8Array[]): Promise<Uint8Array[]> {
    const stored = await Promise.all(blocks.map(compressBlock));
    return transfer(stored, buffers(stored));
  },
  async open(requests: OpenRequest[]): Promise<Array<Uint8Array | string>> {
    const opened = await Promise.all(requests.map(({ stored, size, hash }) => openBlock(stored as StoredBlock, size, hash).catch((e: Error) => e.message)));
    return transfer(opened, buffers(opened));
  },
} satisfies BlockCodec);
