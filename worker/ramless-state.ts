// A start's state given to v86 without RAM's pages, which are copied straight into the guest's
// memory as v86 restores that state (machine.ts, through v86-events.ts's zero_memory hook).
// The pre-booted state is 13.5 MB, 12.2 MB of it RAM's packed pages. Given whole, v86 copies
// every buffer out of the state, RAM's too, before it unpacks RAM into the guest's memory; and a
// resume first put the whole state together from its blocks. Each copy into new memory cost
// 12-35 ms in a Chromium worker here, most of it the host faulting the new pages in (measured:
// 2.5-3 ms for the same copy into memory already written). Without RAM, v86 copies the 1.3 MB
// of the rest, and RAM is copied once, from where it is: the kept pre-booted state's packed
// pages, a snapshot's blocks. The state without RAM is the same format (state-blocks.ts reads
// it): RAM's buffer empty, its bitmap of pages present all zero.
import {
  MEMORY_BLOCK,
  PAGE,
  V86_STATE_MAGIC,
  copyBytesPart,
  isPacked,
  isZeroPage,
  readInfo,
  type BlockBytes,
  type StateInfo,
  type StateLayout,
} from "./state-blocks";

export interface RamlessState {
  /** a v86 state with no page of RAM present */
  state: Uint8Array;
  /** where RAM's last non-zero page ends: the guest's RAM must be at least that big */
  ramEnd: number;
  /** Writes RAM's non-zero pages into `memory` (the guest's RAM, all zero, at least `ramEnd` bytes). */
  writeRam(memory: Uint8Array): void;
}

/** RAM's pages, each with its address. */
type PageWrites = Array<[address: number, page: Uint8Array]>;

/**
 * The state `found` describes, RAM left out: `bufferAt(start, length)` gives each buffer's bytes
 * (`start` counted in the whole state). RAM's packed pages become an empty buffer and its bitmap
 * zeros; the info block is written again for the buffers' new places.
 */
function withoutRamPages(found: StateInfo, bufferAt: (start: number, length: number) => Uint8Array): Uint8Array {
  const { info, buffers, packedId, bitmapId } = found;
  const contents = buffers.map(({ start, end }, id) =>
    id === packedId ? new Uint8Array(0) : id === bitmapId ? new Uint8Array(end - start) : bufferAt(start, end - start),
  );
  const infos: Array<{ offset: number; length: number }> = [];
  let size = 0;
  for (const buffer of contents) {
    size = (size + 3) & ~3;
    infos.push({ offset: size, length: buffer.length });
    size += buffer.length;
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...info, buffer_infos: infos }));
  const base = (16 + json.length + 3) & ~3;
  const state = new Uint8Array(base + size);
  new Int32Array(state.buffer, 0, 4).set([V86_STATE_MAGIC, found.version, state.length, json.length]);
  state.set(json, 16);
  contents.forEach((buffer, i) => state.set(buffer, base + infos[i].offset));
  return state;
}

/** The state and what writes its pages (in the order of their addresses). */
function ramless(state: Uint8Array, writes: PageWrites): RamlessState {
  return {
    state,
    ramEnd: writes.length ? writes[writes.length - 1][0] + PAGE : 0,
    writeRam: (memory) => {
      for (const [address, page] of writes) memory.set(page, address);
    },
  };
}

/** A whole state (the kept pre-booted state) without RAM's pages, which are copied from it; null if it is not laid out as expected. */
export function ramlessOf(raw: Uint8Array): RamlessState | null {
  const found = readInfo(raw);
  if (!found || found.packedId < 0 || found.bitmapId < 0 || found.buffers.some((b) => b.end > raw.length)) return null;
  const packed = found.buffers[found.packedId];
  const bitmap = raw.subarray(found.buffers[found.bitmapId].start, found.buffers[found.bitmapId].end);
  const writes: PageWrites = [];
  let at = packed.start;
  for (let page = 0; page < bitmap.length * 8; page++) {
    if (!(bitmap[page >> 3] & (1 << (page & 7)))) continue;
    if (at + PAGE > packed.end) return null;
    writes.push([page * PAGE, raw.subarray(at, (at += PAGE))]);
  }
  if (at !== packed.end) return null;
  return ramless(
    withoutRamPages(found, (start, length) => raw.subarray(start, start + length)),
    writes,
  );
}

/** A RAM block's pages (null: a zero page). */
function pagesOf(block: BlockBytes): ReadonlyArray<Uint8Array | null> {
  if (isPacked(block)) return block.pages();
  if (!(block instanceof Uint8Array)) return block.pages;
  const data = block.byteOffset % 4 ? block.slice() : block;
  const pages: Array<Uint8Array | null> = [];
  for (let at = 0; at < data.length; at += PAGE) pages.push(isZeroPage(data, at) ? null : data.subarray(at, at + PAGE));
  return pages;
}

/**
 * A snapshot's state, from its layout and blocks (each already checked against its name, or
 * being checked), without RAM's pages, which are copied from the blocks; throws if the blocks do
 * not fit the layout.
 */
export function assembleRamless(layout: StateLayout, blocks: ReadonlyMap<string, BlockBytes>): RamlessState {
  const ramParts = layout.parts.filter((part) => part.kind === "memory");
  if (ramParts.length !== 1) throw new Error("the state does not have one part for RAM");
  const [ramPart] = ramParts;
  const block = (hash: string) => {
    const data = blocks.get(hash);
    if (!data) throw new Error(`block ${hash.slice(0, 12)} is missing`);
    return data;
  };
  // Everything but RAM, in its order; RAM's pages, by address.
  const rest = new Uint8Array(layout.rawSize - ramPart.length);
  const writes: PageWrites = [];
  let ramAt = -1;
  let at = 0;
  let full = 0; // (where the whole state would be)
  for (const part of layout.parts) {
    if (full + part.length > layout.rawSize) throw new Error("the blocks add up to more than the state");
    if (part.kind === "memory") {
      ramAt = full;
      part.blocks.forEach((hash, i) => {
        if (!hash) return;
        const first = (i * MEMORY_BLOCK) / PAGE;
        pagesOf(block(hash)).forEach((page, p) => page && writes.push([(first + p) * PAGE, page]));
      });
      if (writes.length * PAGE > part.length) throw new Error("RAM has more pages than the state packed");
      if (writes.length * PAGE < part.length) throw new Error("RAM has fewer pages than the state packed");
      full += part.length;
      continue;
    }
    at = copyBytesPart(part, block, rest, at);
    full += part.length;
  }
  if (full !== layout.rawSize) throw new Error("the blocks do not make up the state they were saved from");
  const found = readInfo(rest);
  const packed = found && found.packedId >= 0 && found.bitmapId >= 0 ? found.buffers[found.packedId] : null;
  if (!found || !packed || packed.start !== ramAt || packed.end - packed.start !== ramPart.length)
    throw new Error("the blocks do not make up a machine's state");
  const ramEnd = ramAt + ramPart.length;
  const bufferAt = (start: number, length: number) => {
    const from = start >= ramEnd ? start - ramPart.length : start;
    if (start < ramEnd && start + length > ramAt) throw new Error("a buffer overlaps RAM");
    if (from + length > rest.length) throw new Error("a buffer ends past the state");
    return rest.subarray(from, from + length);
  };
  return ramless(withoutRamPages(found, bufferAt), writes);
}
