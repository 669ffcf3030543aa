// The worker of its own that compresses a snapshot's new blocks (block-compressor.ts starts it).
import { expose, transfer } from "comlink";
import { compressBlock } from "./block-codec";

expose({
  async compress(block: Uint8Array): Promise<Uint8Array> {
    const stored = await compressBlock(block);
    return transfer(stored, [stored.buffer]);
  },
});
