// A new block kept as the 4 KiB units in which it differs from the pre-booted state's block at
// the same place. A running guest writes a page here and a page there: in a booted lab's
// automatic save, 65 new RAM blocks (4.06 MB) differed from the pre-booted state's in 207 pages
// (0.85 MB). Whole, they deflated to 637 KB and took 36 ms to inflate in Chromium; as patches,
// 108 KB and 12 ms, on the emulator's thread at a resume, before the boot files. A patch is
// undone against the base (snapshots.ts), and the block it makes is checked against its name
// as any block is.
import { decompressBlock, type PatchBlock } from "./block-codec";
import { blockPlaces, blocksIn, isZeroPage, type PackedBlock, type PagedBlock, type StateLayout } from "./state-blocks";

export const UNIT = 4096;
/** A block with more of its units changed than this share is stored whole (patching it saves little). */
const MOST = 3 / 4;

/** A patch opened: its units' bytes raw. */
export interface OpenPatch {
  patch: PatchBlock;
  bytes: Uint8Array;
}

/** Whether `unit` (`length` bytes from `start` of `block`) holds what `base` does (null: zeros). */
function sameUnit(block: Uint8Array, start: number, length: number, base: Uint8Array | null): boolean {
  if (base && base.length !== length) return false;
  if ((block.byteOffset + start) % 4 === 0 && length % 4 === 0 && (!base || base.byteOffset % 4 === 0)) {
    const x = new Int32Array(block.buffer, block.byteOffset + start, length >> 2);
    if (!base) {
      for (let i = 0; i < x.length; i++) if (x[i]) return false;
      return true;
    }
    const y = new Int32Array(base.buffer, base.byteOffset, length >> 2);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < length; i++) if (block[start + i] !== (base ? base[i] : 0)) return false;
  return true;
}

/**
 * The patch that makes `block` from a base block (the block at `place` of the state `state`),
 * given as its units (null: a zero unit) or as its bytes; null when most of it differs (the
 * comparison stops as soon as that is so: a block that is new is given up on at once).
 */
export function patchAgainst(
  block: Uint8Array,
  base: Uint8Array | ReadonlyArray<Uint8Array | null>,
  state: string,
  place: readonly [number, number],
): PatchBlock | null {
  const count = Math.ceil(block.length / UNIT);
  const units = base instanceof Uint8Array ? unitsOf(base) : base;
  if (block.length === 0 || units.length !== count || (base instanceof Uint8Array && base.length !== block.length)) return null;
  const changed: number[] = [];
  let size = 0;
  for (let unit = 0; unit < count; unit++) {
    const start = unit * UNIT;
    const length = Math.min(UNIT, block.length - start);
    if (sameUnit(block, start, length, units[unit])) continue;
    changed.push(unit);
    size += length;
    if (changed.length > count * MOST) return null;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const unit of changed) {
    const part = block.subarray(unit * UNIT, Math.min((unit + 1) * UNIT, block.length));
    bytes.set(part, at);
    at += part.length;
  }
  return { codec: "patch", state, place: [place[0], place[1]], units: changed, bytes, deflated: false };
}

function unitsOf(base: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  for (let at = 0; at < base.length; at += UNIT) units.push(base.subarray(at, at + UNIT));
  return units;
}

/**
 * For a save: the patch of each new block of `layout` against the pre-booted state's block at
 * the same place (null where that state has none there, or most of the block differs). RAM
 * blocks are compared with the base's packed pages where they are, not copied out.
 */
export function patcherFor(base: { sha256: string; raw: Uint8Array }, layout: StateLayout): (hash: string, block: Uint8Array) => PatchBlock | null {
  const places = blockPlaces(layout);
  return (hash, block) => {
    const place = places.get(hash);
    if (!place) return null;
    const found = blocksIn(base.raw, new Map([[hash, place]])).get(hash);
    if (!found) return null;
    return patchAgainst(block, found instanceof Uint8Array ? found : found.pages(), base.sha256, place);
  };
}

/** Bytes the units of a block of `size` bytes take. */
function unitBytes(units: readonly number[], size: number): number {
  let total = 0;
  for (const unit of units) total += Math.max(0, Math.min(UNIT, size - unit * UNIT));
  return total;
}

/** Its units' bytes, inflated if need be; throws when they are not what a block of `size` bytes needs. */
export async function openPatch(patch: PatchBlock, size: number): Promise<OpenPatch> {
  const count = Math.ceil(size / UNIT);
  if (patch.units.some((unit, i) => unit < 0 || unit >= count || (i > 0 && unit <= patch.units[i - 1])))
    throw new Error("a patch names pages its block does not have");
  const expected = unitBytes(patch.units, size);
  if (!patch.deflated) {
    if (patch.bytes.length !== expected) throw new Error(`a patch holds ${patch.bytes.length} bytes, not ${expected}`);
    return { patch, bytes: patch.bytes };
  }
  return { patch, bytes: await decompressBlock(patch.bytes, expected) };
}

/** The block, from the base's block and an opened patch (a new array: the base is not written). */
export function applyPatch(base: Uint8Array, open: OpenPatch): Uint8Array {
  return patchInto(base.slice(), open);
}

/** Writes an opened patch's units into `block` (a copy of the base's block), and returns it. */
export function patchInto(block: Uint8Array, { patch, bytes }: OpenPatch): Uint8Array {
  let at = 0;
  for (const unit of patch.units) {
    const length = Math.min(UNIT, block.length - unit * UNIT);
    block.set(bytes.subarray(at, at + length), unit * UNIT);
    at += length;
  }
  if (at !== bytes.length) throw new Error("a patch does not fit the block it patches");
  return block;
}

/**
 * The block a patch makes from a base RAM block as its state packs it, with its zero pages
 * known: the base's, but for the units the patch wrote (looked at). Putting a state together
 * then takes its pages without looking at each: at a resume in Chromium, the look at every page
 * of the patched blocks took 30-60 ms, in code a new page runs cold.
 */
export function patchPacked(base: PackedBlock, open: OpenPatch): PagedBlock {
  const bytes = patchInto(base.expand(), open);
  const written = new Set(open.patch.units);
  const pages = base.pages().map((page, unit) => {
    const at = unit * UNIT;
    return (written.has(unit) ? isZeroPage(bytes, at) : !page) ? null : bytes.subarray(at, at + UNIT);
  });
  return { bytes, pages };
}
