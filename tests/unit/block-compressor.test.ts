// Where there is no Worker (Node), a save's blocks are compressed, and a restore's opened, in
// place, as a browser's block workers do it (block-codec.ts's deflate-raw, sha256 names).
import { describe, expect, it } from "vitest";
import { compressOffThread, readOffThread } from "../../worker/block-compressor";
import { compressBlock, decompressBlock, rawBlock } from "../../worker/block-codec";

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

describe("reading a restore's blocks off the emulator's thread", () => {
  const bytes = (seed: number) => Uint8Array.from({ length: 65536 }, (_, i) => (i * seed) % 251);

  it("gives each block's bytes, raw or compressed, in order", async () => {
    const [a, b] = [bytes(3), bytes(5)];
    const [ra, rb] = await readOffThread([rawBlock(a), await compressBlock(b)], [a.length, b.length]);
    expect([Buffer.compare(ra, a), Buffer.compare(rb, b)]).toEqual([0, 0]);
  });

  it("refuses a block that is not its size", async () => {
    const a = bytes(3);
    await expect(readOffThread([rawBlock(a)], [4096])).rejects.toThrow(/holds 65536 bytes, not 4096/);
    await expect(readOffThread([await compressBlock(a)], [4096])).rejects.toThrow(/decompresses to 65536 bytes/);
    await expect(readOffThread([a.subarray(0, 100)], [65536])).rejects.toThrow(/does not decompress/);
  });
});
