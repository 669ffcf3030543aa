// Where there is no Worker (Node), a save's blocks are compressed in place, to the same stored
// form a browser's compression worker gives (block-codec.ts's deflate-raw).
import { describe, expect, it } from "vitest";
import { compressOffThread } from "../../worker/block-compressor";
import { compressBlock, decompressBlock } from "../../worker/block-codec";

describe("compressing a block off the emulator's thread", () => {
  it("gives the block's stored form, which decompresses to its bytes, from a view into a larger buffer too", async () => {
    const whole = new Uint8Array(3 * 65536);
    for (let i = 0; i < whole.length; i++) whole[i] = (i * 31) % 251;
    const block = whole.subarray(65536, 2 * 65536);
    const stored = await compressOffThread(block);
    expect(Buffer.compare(stored, await compressBlock(block))).toBe(0);
    expect(Buffer.compare(await decompressBlock(stored, block.length), block)).toBe(0);
    expect(whole.byteLength).toBe(3 * 65536); // (the state it is a view of is left whole)
  });
});
