// The pre-booted state (a real v86 state) split into blocks and put together again.
import { describe, expect, it } from "vitest";
import {
  assembleState,
  blockPlaces,
  blockSizes,
  blocksAt,
  blocksIn,
  splitState,
  MEMORY_BLOCK,
  type BlockBytes,
  type PackedBlock,
} from "../../worker/state-blocks";
import { blockHash } from "../../worker/block-codec";
import { raw, ramOf, v86State } from "./v86-states";

/** The state with one page of RAM changed: the 4 bytes at `at` inside the packed pages. */
function withPacked(at: number, value: number): Uint8Array {
  const copy = raw.slice();
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
}

describe("a v86 state as blocks", () => {
  it("is put together again byte for byte", async () => {
    const { layout, blocks } = await splitState(raw);
    expect(layout.parts.some((p) => p.kind === "memory")).toBe(true);
    // (Buffer.compare: toEqual takes minutes over 13 MB)
    expect(Buffer.compare(assembleState(layout, blocks), raw)).toBe(0);
    for (const [hash, size] of blockSizes(layout)) expect(blocks.get(hash)!.length).toBe(size);
  });

  it("changes in one RAM block when one page changes", async () => {
    const before = await splitState(raw);
    const memory = before.layout.parts.findIndex((p) => p.kind === "memory");
    const start = before.layout.parts.slice(0, memory).reduce((n, p) => n + p.length, 0);
    const after = await splitState(withPacked(start + 100 * 4096 + 8, 0xdeadbeef));
    const changed = [...after.blocks.keys()].filter((h) => !before.blocks.has(h));
    expect(changed).toHaveLength(1);
    expect(after.blocks.get(changed[0])!.length).toBe(MEMORY_BLOCK);
  });

  it("refuses blocks that are not the state's", async () => {
    const { layout, blocks } = await splitState(raw);
    const [hash, block] = [...blocks].find(([, b]) => b.length === MEMORY_BLOCK)!;
    const short = new Map(blocks).set(hash, block.subarray(0, 4096));
    expect(() => assembleState(layout, short)).toThrow(/fewer pages|do not make up the state/);
    const missing = new Map(blocks);
    missing.delete(hash);
    expect(() => assembleState(layout, missing)).toThrow(/is missing/);
  });

  it("gives the same blocks by place, unhashed, as by hash", async () => {
    const { layout, blocks } = await splitState(raw);
    const found = blocksAt(raw, blockPlaces(layout));
    expect(found.size).toBe(blocks.size);
    for (const [hash, data] of found) expect(await blockHash(data)).toBe(hash);
  });

  it("is put together from the pre-booted state's RAM as it packs it and a snapshot's own blocks, its packing shifted by a page more", async () => {
    const disk = Uint8Array.from({ length: 300 << 10 }, (_, i) => (i * 7) >>> 9);
    const before = v86State(ramOf(64, 1), disk);
    const ram = ramOf(64, 1);
    ram.fill(9, 3 * 4096, 4 * 4096); // a zero page in the first block becomes one: every page after it moves
    ram.fill(5, 40 * 4096, 40 * 4096 + 100); // and one in the third block changes
    const after = v86State(ram, disk);
    const base = await splitState(before);
    const snapshot = await splitState(after);
    const baseHas = blockPlaces(base.layout);
    const shared = new Map([...baseHas].filter(([hash]) => snapshot.blocks.has(hash)));
    const own = [...snapshot.blocks].filter(([hash]) => !baseHas.has(hash));
    expect(own.length).toBeGreaterThanOrEqual(3); // the two RAM blocks and the run with the bitmap
    expect(shared.size).toBeGreaterThanOrEqual(3); // RAM's second and fourth blocks, and the disk's
    const pristine = before.slice();
    const fromBase = blocksIn(before, shared);
    expect(fromBase.size).toBe(shared.size);
    // The base's RAM blocks are views of it, packed (not copies); its bytes are not touched.
    const packed = [...fromBase.values()].filter((b): b is PackedBlock => !(b instanceof Uint8Array));
    expect(packed.length).toBe(2);
    for (const block of packed) expect(block.packed.buffer).toBe(before.buffer);
    const assembled = assembleState(snapshot.layout, new Map<string, BlockBytes>([...own, ...fromBase]));
    expect(Buffer.compare(assembled, after)).toBe(0);
    expect(Buffer.compare(before, pristine)).toBe(0);
  });

  it("keeps a state it does not recognise as plain bytes", async () => {
    const garbage = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 27);
    const { layout, blocks } = await splitState(garbage);
    expect(layout.parts.map((p) => p.kind)).toEqual(["bytes"]);
    expect(Buffer.compare(assembleState(layout, blocks), garbage)).toBe(0);
  });
});
