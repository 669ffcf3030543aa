// Where there is no Worker (Node), a save's blocks are compressed in place, to the same stored
// form a browser's compression worker gives (block-codec.ts's deflate-raw); a restore reads
// either stored form.
import { describe, expect, it } from "vitest";
import { compressOffThread } from "../../worker/block-compressor";
import { compressBlock, decompressBlock, rawBlock, readBlock } from "../../worker/block-codec";

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

describe("reading a restore's blocks", () => {
  const bytes = (seed: number) => Uint8Array.from({ length: 65536 }, (_, i) => (i * seed) % 251);

  it("gives each block's bytes, raw or compressed", async () => {
    const [a, b] = [bytes(3), bytes(5)];
    expect(Buffer.compare(await readBlock(rawBlock(a), a.length), a)).toBe(0);
    expect(Buffer.compare(await readBlock(await compressBlock(b), b.length), b)).toBe(0);
  });

  it("refuses a block that is not its size", async () => {
    const a = bytes(3);
    await expect(readBlock(rawBlock(a), 4096)).rejects.toThrow(/holds 65536 bytes, not 4096/);
    await expect(readBlock(await compressBlock(a), 4096)).rejects.toThrow(/decompresses to 65536 bytes/);
    await expect(readBlock(a.subarray(0, 100), 65536)).rejects.toThrow(/does not decompress/);
  });
});
