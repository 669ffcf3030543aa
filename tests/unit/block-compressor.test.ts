// Where there is no Worker (Node), a save's blocks are compressed, and a restore's opened, in
// place, as a browser's block workers do it (block-codec.ts's deflate-raw, sha256 names).
import { describe, expect, it } from "vitest";
import { compressOffThread, openOffThread } from "../../worker/block-compressor";
import { blockHash, compressBlock, decompressBlock, rawBlock } from "../../worker/block-codec";

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

describe("opening a restore's blocks off the emulator's thread", () => {
  const bytes = (seed: number) => Uint8Array.from({ length: 65536 }, (_, i) => (i * seed) % 251);

  it("gives each block's bytes, raw or compressed, in order", async () => {
    const [a, b] = [bytes(3), bytes(5)];
    const opened = await openOffThread([
      { hash: await blockHash(a), stored: rawBlock(a), size: a.length },
      { hash: await blockHash(b), stored: await compressBlock(b), size: b.length },
    ]);
    expect(opened.map((o) => Buffer.compare(o, [a, b][opened.indexOf(o)]))).toEqual([0, 0]);
  });

  it("refuses a block that is not what its name says, or not its size", async () => {
    const [a, b] = [bytes(3), bytes(5)];
    await expect(openOffThread([{ hash: await blockHash(a), stored: await compressBlock(b), size: b.length }])).rejects.toThrow(/not what was stored/);
    await expect(openOffThread([{ hash: await blockHash(a), stored: rawBlock(a), size: 4096 }])).rejects.toThrow(/holds 65536 bytes, not 4096/);
    await expect(openOffThread([{ hash: await blockHash(a), stored: await compressBlock(a), size: 4096 }])).rejects.toThrow(/decompresses to 65536 bytes/);
  });
});
