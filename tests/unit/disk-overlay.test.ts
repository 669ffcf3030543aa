import { describe, expect, it } from "vitest";
import { BLOCK, DiskOverlay } from "../../worker/disk-overlay";

const DISK = 8 << 20;
/** `blocks` blocks of bytes that say which block and which write they are. */
function bytes(blocks: number, tag: number): Uint8Array {
  const out = new Uint8Array(blocks * BLOCK);
  for (let i = 0; i < out.length; i++) out[i] = (tag * 7 + (i >> 8) * 13 + i) & 255;
  return out;
}
/** Byte-equal (vitest's toEqual walks big arrays element by element, slowly). */
function same(a: Uint8Array, b: Uint8Array): void {
  expect(a.length).toBe(b.length);
  expect(Buffer.compare(a, b)).toBe(0);
}
function read(overlay: DiskOverlay, offset: number, length: number, fill = 0xee): Uint8Array {
  const out = new Uint8Array(length).fill(fill);
  overlay.overlay(out, offset);
  return out;
}

describe("the disk's write overlay", () => {
  it("lays what was written over a read, to the byte, and leaves the rest alone", () => {
    const o = new DiskOverlay(DISK);
    const a = bytes(4, 1);
    o.write(10 * BLOCK, a);
    // a read that begins and ends inside written blocks
    const got = read(o, 9 * BLOCK + 100, 5 * BLOCK);
    expect(got.subarray(0, BLOCK - 100)).toEqual(new Uint8Array(BLOCK - 100).fill(0xee));
    expect(got.subarray(BLOCK - 100, BLOCK - 100 + 4 * BLOCK)).toEqual(a);
    expect(got.subarray(5 * BLOCK - 100)).toEqual(new Uint8Array(100).fill(0xee));
    expect(read(o, 11 * BLOCK + 3, 10)).toEqual(a.subarray(BLOCK + 3, BLOCK + 13));
  });

  it("keeps the last write of a block, and its first place in the state's order", () => {
    const o = new DiskOverlay(DISK);
    o.write(5 * BLOCK, bytes(2, 1));
    o.write(2 * BLOCK, bytes(1, 2));
    const again = bytes(3, 3);
    o.write(4 * BLOCK, again); // blocks 4 (new), 5 (again), 6 (new)
    expect(read(o, 4 * BLOCK, 3 * BLOCK)).toEqual(again);
    expect(o.size).toBe(4);
    const [indices, data] = o.state();
    expect([...indices]).toEqual([5, 6, 2, 4]);
    expect(data.subarray(0, BLOCK)).toEqual(again.subarray(BLOCK, 2 * BLOCK));
    expect(data.subarray(2 * BLOCK, 3 * BLOCK)).toEqual(bytes(1, 2));
    expect(data.subarray(3 * BLOCK, 4 * BLOCK)).toEqual(again.subarray(0, BLOCK));
  });

  it("holds writes across many slabs, and a state from them restores the same disk", () => {
    const o = new DiskOverlay(DISK);
    const big = bytes(9000, 4); // more than two slabs
    o.write(BLOCK, big);
    o.write(20_000 * BLOCK, bytes(3, 5));
    const [indices, data] = o.state();
    expect(indices.length).toBe(9003);
    same(data.subarray(0, big.length), big);
    const back = DiskOverlay.restored(DISK, indices.slice(), data.slice());
    same(read(back, 0, 9002 * BLOCK), read(o, 0, 9002 * BLOCK));
    same(read(back, 20_000 * BLOCK, 3 * BLOCK), bytes(3, 5));
    // writes after a restore: one over a restored block, and new ones past it
    back.write(2 * BLOCK, bytes(1, 6));
    back.write(25_000 * BLOCK, bytes(5000, 7));
    same(read(back, 2 * BLOCK, BLOCK), bytes(1, 6));
    same(read(back, 25_000 * BLOCK, 5000 * BLOCK), bytes(5000, 7));
    const [i2, d2] = back.state();
    expect(i2.length).toBe(9003 + 5000);
    same(d2.subarray(BLOCK, 2 * BLOCK), bytes(1, 6));
    same(d2.subarray(9003 * BLOCK), bytes(5000, 7));
  });

  it("takes a state that names a block twice block by block (the last bytes win)", () => {
    const data = new Uint8Array(3 * BLOCK);
    data
      .fill(1, 0, BLOCK)
      .fill(2, BLOCK, 2 * BLOCK)
      .fill(3, 2 * BLOCK);
    const o = DiskOverlay.restored(DISK, Uint32Array.from([7, 8, 7]), data);
    expect(o.size).toBe(2);
    expect(read(o, 7 * BLOCK, 2 * BLOCK)).toEqual(Uint8Array.from({ length: 2 * BLOCK }, (_, i) => (i < BLOCK ? 3 : 2)));
  });

  it("refuses what v86 never writes and a state that does not fit, saying what is wrong", () => {
    const o = new DiskOverlay(DISK);
    expect(() => o.write(100, new Uint8Array(BLOCK))).toThrow(/not in whole 256-byte blocks/);
    expect(() => o.write(DISK - BLOCK, new Uint8Array(2 * BLOCK))).toThrow(/past the disk's end/);
    expect(() => DiskOverlay.restored(DISK, Uint32Array.from([1]), new Uint8Array(10))).toThrow(/1 blocks holds 10 bytes/);
    expect(() => DiskOverlay.restored(DISK, Uint32Array.from([DISK / BLOCK]), new Uint8Array(BLOCK))).toThrow(/past the disk's end/);
    expect(o.size).toBe(0);
  });
});
