// A start's state without RAM's pages, which it writes into the guest's memory itself: from the
// pre-booted state whole, and from a snapshot's blocks, some of them the base's and patches.
import { describe, expect, it } from "vitest";
import { openPatch, patchAgainst, patchPacked } from "../../worker/block-patch";
import { assembleRamless, ramlessOf } from "../../worker/ramless-state";
import { blockPlaces, blocksIn, isV86State, ramBytes, readInfo, splitState, type BlockBytes } from "../../worker/state-blocks";
import { raw, ramOf, v86State } from "./v86-states";

/** RAM as v86 unpacks a whole state into it (its bitmap's pages, in order). */
function unpacked(state: Uint8Array, size: number): Uint8Array {
  const info = readInfo(state)!;
  const packed = info.buffers[info.packedId];
  const bitmap = state.subarray(info.buffers[info.bitmapId].start, info.buffers[info.bitmapId].end);
  const ram = new Uint8Array(size);
  let at = packed.start;
  for (let page = 0; page < bitmap.length * 8; page++) if (bitmap[page >> 3] & (1 << (page & 7))) ram.set(state.subarray(at, (at += 4096)), page * 4096);
  return ram;
}

/** The buffers of a state other than RAM's two, and its devices' state. */
function rest(state: Uint8Array) {
  const info = readInfo(state)!;
  const buffers = info.buffers.filter((_, id) => id !== info.packedId && id !== info.bitmapId).map((b) => state.slice(b.start, b.end));
  return { devices: JSON.stringify(info.info.state), buffers };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

describe("a state without RAM's pages", () => {
  it("is the pre-booted state but for RAM, which it writes as v86 would unpack it", () => {
    const ramless = ramlessOf(raw)!;
    expect(isV86State(ramless.state)).toBe(true);
    expect(ramBytes(ramless.state)).toBe(0);
    expect(ramless.state.length).toBeLessThan((raw.length - ramBytes(raw)! + 64) << 10);
    const info = readInfo(ramless.state)!;
    const bitmap = ramless.state.subarray(info.buffers[info.bitmapId].start, info.buffers[info.bitmapId].end);
    expect(bitmap.length).toBeGreaterThan(0);
    expect(bitmap.every((b) => b === 0)).toBe(true); // (v86 finds no page to copy in)
    const a = rest(ramless.state);
    const b = rest(raw);
    expect(a.devices).toBe(b.devices);
    expect(a.buffers.length).toBe(b.buffers.length);
    a.buffers.forEach((buffer, i) => expect(same(buffer, b.buffers[i])).toBe(true));
    const memory = new Uint8Array(128 << 20);
    ramless.writeRam(memory);
    expect(same(memory, unpacked(raw, memory.length))).toBe(true);
    expect(ramless.ramEnd).toBeLessThanOrEqual(memory.length);
  });

  it("comes out of a state's blocks the same as out of the state", async () => {
    const { layout, blocks } = await splitState(raw);
    const fromBlocks = assembleRamless(layout, blocks);
    const whole = ramlessOf(raw)!;
    expect(same(fromBlocks.state, whole.state)).toBe(true);
    expect(fromBlocks.ramEnd).toBe(whole.ramEnd);
    const [a, b] = [new Uint8Array(128 << 20), new Uint8Array(128 << 20)];
    fromBlocks.writeRam(a);
    whole.writeRam(b);
    expect(same(a, b)).toBe(true);
  });

  it("comes out of a snapshot's blocks: its own, the base's as the base packs them, and patches of the base's", async () => {
    const disk = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 255);
    const base = v86State(ramOf(64, 1), disk);
    const ram = ramOf(64, 1);
    ram.fill(0, 4 * 4096, 5 * 4096); // a page freed (RAM now has one page fewer)
    ram[20 * 4096 + 9] ^= 1; // a page written, in the second block
    ram.fill(5, 48 * 4096, 49 * 4096); // a zero page written (every third is zero), in the fourth
    const after = v86State(ram, disk);
    const base$ = await splitState(base);
    const snapshot = await splitState(after);
    const baseHas = blockPlaces(base$.layout);
    const fromBase = blocksIn(base, new Map([...baseHas].filter(([hash]) => snapshot.blocks.has(hash))));
    const all = new Map<string, BlockBytes>(fromBase);
    const places = blockPlaces(snapshot.layout);
    let patched = 0;
    for (const [hash, block] of snapshot.blocks) {
      if (all.has(hash)) continue;
      const [part, index] = places.get(hash)!;
      const own = snapshot.layout.parts[part].kind === "memory" ? blocksIn(base, new Map([[hash, [part, index] as [number, number]]])).get(hash) : undefined;
      const patch = own && !(own instanceof Uint8Array) ? patchAgainst(block, own.pages(), "s", [part, index]) : null;
      if (own && !(own instanceof Uint8Array) && patch) {
        all.set(hash, patchPacked(own, await openPatch(patch, block.length)));
        patched++;
      } else all.set(hash, block);
    }
    expect(patched).toBe(3); // the first, second and fourth RAM blocks
    expect(fromBase.size).toBeGreaterThan(0);
    const made = assembleRamless(snapshot.layout, all);
    expect(same(made.state, ramlessOf(after)!.state)).toBe(true);
    const memory = new Uint8Array(ram.length);
    made.writeRam(memory);
    expect(same(memory, ram)).toBe(true);
  });

  it("refuses blocks that do not make up the state", async () => {
    const { layout, blocks } = await splitState(raw);
    const ramPart = layout.parts.find((p) => p.kind === "memory")!;
    const hash = ramPart.blocks.find((h): h is string => h !== null)!;
    const missing = new Map(blocks);
    missing.delete(hash);
    expect(() => assembleRamless(layout, missing)).toThrow(/is missing/);
    const zeroed = new Map(blocks).set(hash, new Uint8Array(blocks.get(hash)!.length));
    expect(() => assembleRamless(layout, zeroed)).toThrow(/fewer pages/);
    const other = layout.parts.find((p) => p.kind === "bytes")!.blocks[0];
    const short = new Map(blocks).set(other, blocks.get(other)!.subarray(1));
    expect(() => assembleRamless(layout, short)).toThrow(/do not make up the state/);
  });
});
