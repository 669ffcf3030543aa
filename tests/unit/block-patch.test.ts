// A block kept as the 4 KiB units in which it differs from the pre-booted state's block.
import { describe, expect, it } from "vitest";
import { compressBlock, compressedStored, type PatchBlock } from "../../worker/block-codec";
import { applyPatch, openPatch, patchAgainst, patchPacked, UNIT } from "../../worker/block-patch";
import type { PackedBlock } from "../../worker/state-blocks";

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/** `size` bytes that differ from one unit to the next (so a unit copied to the wrong place shows). */
function bytes(size: number, seed = 1): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 13 + (i >> 12) * 7 + seed) & 255;
  return data;
}

describe("a block as a patch", () => {
  it("keeps only the units that differ, and makes the block again from the base, leaving the base as it was", async () => {
    const base = bytes(10 * UNIT + 1000); // the last unit is 1000 bytes
    const block = base.slice();
    block[3 * UNIT + 5] ^= 0xff;
    block[7 * UNIT] ^= 1;
    block[10 * UNIT + 999] ^= 1;
    const baseCopy = base.slice();
    const patch = patchAgainst(block, base, "s".repeat(64), [2, 5])!;
    expect(patch).toMatchObject({ codec: "patch", state: "s".repeat(64), place: [2, 5], units: [3, 7, 10], deflated: false });
    expect(patch.bytes.length).toBe(2 * UNIT + 1000);
    const made = applyPatch(base, await openPatch(patch, block.length));
    expect(same(made, block)).toBe(true);
    expect(same(base, baseCopy)).toBe(true);
  });

  it("compares with a base given as its pages, a zero page as null (a RAM block as the state packs it)", async () => {
    const pages = [bytes(UNIT, 1), null, bytes(UNIT, 3), null];
    const base = new Uint8Array(4 * UNIT);
    base.set(pages[0]!, 0);
    base.set(pages[2]!, 2 * UNIT);
    const block = base.slice();
    block[UNIT + 1] = 7; // a zero page written
    const patch = patchAgainst(block, pages, "s", [9, 3])!;
    expect(patch.units).toEqual([1]);
    expect(same(applyPatch(base, await openPatch(patch, block.length)), block)).toBe(true);
    expect(patchAgainst(base, pages, "s", [9, 3])!.units).toEqual([]);
    expect(patchAgainst(block, pages.slice(0, 3), "s", [9, 3])).toBeNull(); // (pages of another block's size)
  });

  it("makes a base RAM block, as its state packs it, patched with its zero pages known", async () => {
    // Pages: 0 kept, 1 zero kept, 2 written over, 3 zero written, 4 written to zeros, 5 zero.
    const pages = [bytes(UNIT, 1), null, bytes(UNIT, 3), null, bytes(UNIT, 5), null];
    const base = new Uint8Array(pages.length * UNIT);
    pages.forEach((page, i) => page && base.set(page, i * UNIT));
    const present = pages.filter((p): p is Uint8Array => p !== null);
    const packed: PackedBlock = {
      packed: new Uint8Array(present.length * UNIT),
      expand: () => base.slice(),
      pages: () => pages.map((p) => p && p.slice()),
    };
    const block = base.slice();
    block.set(bytes(UNIT, 9), 2 * UNIT);
    block[3 * UNIT + 100] = 1;
    block.fill(0, 4 * UNIT, 5 * UNIT);
    const patch = patchAgainst(block, pages, "s", [7, 1])!;
    expect(patch.units).toEqual([2, 3, 4]);
    const made = patchPacked(packed, await openPatch(patch, block.length));
    expect(same(made.bytes, block)).toBe(true);
    expect(made.pages.map((p) => p !== null)).toEqual([true, false, true, true, false, false]);
    made.pages.forEach((page, i) => page && expect(same(page, block.subarray(i * UNIT, (i + 1) * UNIT))).toBe(true));
  });

  it("reads the same once its units are deflated", async () => {
    const base = bytes(16 * UNIT);
    const block = base.slice();
    block.fill(9, 4 * UNIT, 6 * UNIT);
    const patch = patchAgainst(block, base, "s".repeat(64), [0, 0])!;
    const deflated = (await compressedStored(patch, compressBlock)) as PatchBlock;
    expect(deflated.deflated).toBe(true);
    expect(deflated.bytes.length).toBeLessThan(patch.bytes.length);
    expect(same(applyPatch(base, await openPatch(deflated, block.length)), block)).toBe(true);
  });

  it("is not made when most of the block differs, or the base is not the block's size", () => {
    const base = bytes(16 * UNIT);
    const most = bytes(16 * UNIT, 2);
    most.set(base.subarray(0, 3 * UNIT)); // 13 of 16 units differ
    expect(patchAgainst(most, base, "s", [0, 0])).toBeNull();
    const some = bytes(16 * UNIT, 2);
    some.set(base.subarray(0, 4 * UNIT)); // 12 of 16: three quarters
    expect(patchAgainst(some, base, "s", [0, 0])?.units).toHaveLength(12);
    expect(patchAgainst(base.subarray(0, 8 * UNIT), base, "s", [0, 0])).toBeNull();
  });

  it("that is damaged is refused, naming what is wrong", async () => {
    const base = bytes(4 * UNIT);
    const block = base.slice();
    block[UNIT] ^= 1;
    const patch = patchAgainst(block, base, "s", [0, 0])!;
    await expect(openPatch({ ...patch, bytes: patch.bytes.subarray(0, 100) }, block.length)).rejects.toThrow(/holds 100 bytes, not 4096/);
    await expect(openPatch({ ...patch, units: [4] }, block.length)).rejects.toThrow(/names pages its block does not have/);
    await expect(openPatch({ ...patch, units: [2, 1], bytes: new Uint8Array(2 * UNIT) }, block.length)).rejects.toThrow(/names pages/);
    const deflated = (await compressedStored(patch, compressBlock)) as PatchBlock;
    await expect(openPatch({ ...deflated, units: [1, 2] }, block.length)).rejects.toThrow(/decompresses to 4096 bytes, not 8192/);
    // units that fit, for a base of another size
    expect(() => applyPatch(base.subarray(0, 2 * UNIT - 10), { patch: { ...patch, units: [1] }, bytes: new Uint8Array(UNIT) })).toThrow(/does not fit/);
  });
});
