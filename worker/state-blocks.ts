// A v86 state as blocks that stay the same from one save to the next, so snapshots that share
// most of a machine share most of their blocks (stored once, named by their sha256).
// v86 keeps guest RAM as its non-zero pages packed one after another: one page more or less
// early in RAM shifts every block after it. So RAM is split by physical address instead, in
// 64 KiB blocks (zero pages as zeros; an all-zero block is not stored), and the rest of the
// state in 256 KiB blocks per large buffer (the disk's written blocks, VGA memory) and one run
// for the header and small buffers. Measured on the booted lab, a file edited and the caches
// dropped: 180 pages differ, 62 RAM blocks (0.64 MB compressed); packed, 7.5 MB of blocks
// differed even with content-defined chunking. This is the one file that reads v86's state
// layout (a 16-byte header, a JSON info block, 4-byte aligned buffers; RAM is the CPU state's
// items 77 and 78; ramless-state.ts writes a state in it from what readInfo gives); a state it
// does not recognise is stored as plain bytes.
import { blockHash } from "./block-codec";

export const PAGE = 4096;
export const MEMORY_BLOCK = 64 << 10;
export const DATA_BLOCK = 256 << 10;
/** Buffers at least this big get blocks of their own. */
const LARGE_BUFFER = 64 << 10;
export const V86_STATE_MAGIC = -2039052682;

export type StatePart =
  | { kind: "bytes"; length: number; blocks: string[] }
  /** RAM: `length` bytes of packed pages; blocks cover `pages` pages from address 0 (null: all zero). */
  | { kind: "memory"; length: number; pages: number; blocks: Array<string | null> };

/**
 * A state as blocks. (No hash of the whole state: it cost as much as all the blocks' hashes, on
 * one thread; each block is checked against its name instead, and the parts against their
 * lengths.)
 */
export interface StateLayout {
  rawSize: number;
  parts: StatePart[];
}

export interface SplitState {
  layout: StateLayout;
  /** every block the layout names, by hash */
  blocks: Map<string, Uint8Array>;
}

interface Ram {
  start: number;
  end: number;
  bitmap: Uint8Array;
}

/** A v86 state's header and info block, read: where its buffers are (from the state's start), and which hold RAM. */
export interface StateInfo {
  /** the header's format version */
  version: number;
  /** the info block (JSON): the devices' state, and `buffer_infos` */
  info: { buffer_infos: Array<{ offset: number; length: number }>; state: unknown[] };
  /** where the info block ends */
  infoEnd: number;
  buffers: Array<{ start: number; end: number }>;
  /** the buffers of RAM's packed pages and of its bitmap of pages present (-1: none) */
  packedId: number;
  bitmapId: number;
}

/** The header and info block at the start of `head` (a state, or its first part), read; null if they are not v86's. */
export function readInfo(head: Uint8Array): StateInfo | null {
  if (head.length < 16 || head.byteOffset % 4) return null;
  const header = new Int32Array(head.buffer, head.byteOffset, 4);
  if (header[0] !== V86_STATE_MAGIC || header[3] < 0 || 16 + header[3] > head.length) return null;
  const infoEnd = 16 + header[3];
  let info: { buffer_infos?: Array<{ offset: number; length: number }>; state?: unknown[] };
  try {
    info = JSON.parse(new TextDecoder().decode(head.subarray(16, infoEnd)));
  } catch {
    return null;
  }
  if (!Array.isArray(info.buffer_infos) || !Array.isArray(info.state)) return null;
  const base = (infoEnd + 3) & ~3;
  const buffers = info.buffer_infos.map((b) => ({ start: base + b.offset, end: base + b.offset + b.length }));
  if (buffers.some((b, i) => b.end < b.start || (i > 0 && b.start < buffers[i - 1].end))) return null;
  const id = (item: unknown) => {
    const found = (item as { buffer_id?: unknown } | null)?.buffer_id;
    return typeof found === "number" && buffers[found] ? found : -1;
  };
  const known = info as StateInfo["info"];
  return { version: header[1], info: known, infoEnd, buffers, packedId: id(info.state[77]), bitmapId: id(info.state[78]) };
}

/** Where v86's buffers are, and which one is RAM; null if the state is not laid out as expected. */
function readLayout(raw: Uint8Array): { buffers: Array<{ start: number; end: number }>; ram: Ram | null } | null {
  const found = readInfo(raw);
  if (!found || new Int32Array(raw.buffer, raw.byteOffset, 4)[2] !== raw.length) return null;
  const { buffers, packedId, bitmapId } = found;
  if (buffers.some((b) => b.end > raw.length)) return null;
  if (packedId < 0 || bitmapId < 0) return { buffers, ram: null };
  const packed = buffers[packedId];
  const bitmapAt = buffers[bitmapId];
  const bitmap = raw.subarray(bitmapAt.start, bitmapAt.end);
  let present = 0;
  for (const byte of bitmap) for (let b = byte; b; b &= b - 1) present++;
  if (present * PAGE !== packed.end - packed.start) return { buffers, ram: null };
  return { buffers, ram: { ...packed, bitmap } };
}

/** The bytes of non-zero RAM a raw state holds (null if its layout is not the one expected). */
export function ramBytes(raw: Uint8Array): number | null {
  const ram = readLayout(raw)?.ram;
  return ram ? ram.end - ram.start : null;
}

/** Whether a raw state has v86's layout (header, info block, buffers): the one check before v86 is given it to start from. */
export function isV86State(raw: Uint8Array): boolean {
  return readLayout(raw) !== null;
}

/** Names a block (its sha256), given where it is: part `part`, block `index` of that part. */
type Namer = (data: Uint8Array, part: number, index: number) => Promise<string>;

async function bytesPart(data: Uint8Array, part: number, name: Namer): Promise<StatePart> {
  const names: Array<Promise<string>> = [];
  for (let at = 0; at < data.length; at += DATA_BLOCK) names.push(name(data.subarray(at, at + DATA_BLOCK), part, names.length));
  return { kind: "bytes", length: data.length, blocks: await Promise.all(names) };
}

async function memoryPart(raw: Uint8Array, ram: Ram, part: number, name: Namer): Promise<StatePart> {
  const pages = ram.bitmap.length * 8;
  const perBlock = MEMORY_BLOCK / PAGE;
  const names: Array<Promise<string> | null> = [];
  let packed = ram.start;
  for (let first = 0; first < pages; first += perBlock) {
    let block: Uint8Array | null = null;
    const count = Math.min(perBlock, pages - first);
    for (let i = 0; i < count; i++) {
      const page = first + i;
      if (!(ram.bitmap[page >> 3] & (1 << (page & 7)))) continue;
      block ??= new Uint8Array(count * PAGE);
      block.set(raw.subarray(packed, packed + PAGE), i * PAGE);
      packed += PAGE;
    }
    names.push(block && name(block, part, names.length));
  }
  return { kind: "memory", length: ram.end - ram.start, pages, blocks: await Promise.all(names) };
}

/** Where a state's parts are in it, in their order: RAM, each large buffer, the runs of small ones between. */
interface PartRange {
  start: number;
  end: number;
  /** set for RAM */
  ram: Ram | null;
}

function partRanges(raw: Uint8Array): PartRange[] {
  const found = readLayout(raw);
  const ranges: PartRange[] = [];
  let cursor = 0;
  const flushTo = (end: number) => {
    if (end > cursor) ranges.push({ start: cursor, end, ram: null });
    cursor = end;
  };
  for (const buffer of found?.buffers ?? []) {
    const isRam = found?.ram?.start === buffer.start && found.ram.end === buffer.end;
    if (!isRam && buffer.end - buffer.start < LARGE_BUFFER) continue; // (in the run of small ones)
    flushTo(buffer.start);
    ranges.push({ ...buffer, ram: isRam ? found!.ram : null });
    cursor = buffer.end;
  }
  flushTo(raw.length);
  return ranges;
}

async function layoutOf(raw: Uint8Array, name: Namer): Promise<StateLayout> {
  const parts = partRanges(raw).map((range, part) =>
    range.ram ? memoryPart(raw, range.ram, part, name) : bytesPart(raw.subarray(range.start, range.end), part, name),
  );
  return { rawSize: raw.length, parts: await Promise.all(parts) };
}

export async function splitState(raw: Uint8Array): Promise<SplitState> {
  const blocks = new Map<string, Uint8Array>();
  const layout = await layoutOf(raw, async (data) => {
    const hash = await blockHash(data);
    blocks.set(hash, data);
    return hash;
  });
  return { layout, blocks };
}

/** Where each of a state's blocks is, by hash: [part, index]. */
export function blockPlaces(layout: StateLayout): Map<string, [number, number]> {
  const places = new Map<string, [number, number]>();
  layout.parts.forEach((part, p) => part.blocks.forEach((hash, i) => hash && !places.has(hash) && places.set(hash, [p, i])));
  return places;
}

/**
 * A RAM block as a state holds it: its non-zero pages, packed one after another (v86 packs only
 * those), a view of the state. `expand` gives the block itself (zero pages as zeros).
 */
export interface PackedBlock {
  packed: Uint8Array;
  expand(): Uint8Array;
  /** each 4 KiB page of the block: a view of the state, or null for a zero page */
  pages(): Array<Uint8Array | null>;
}

/**
 * A block whose zero pages are known already (one made from a base block's pages, as a patch
 * makes it): RAM takes its other pages as they are, without looking at each for zeros.
 */
export interface PagedBlock {
  bytes: Uint8Array;
  /** each 4 KiB page of `bytes`: a view of it, or null for a zero page */
  pages: ReadonlyArray<Uint8Array | null>;
}

/** A block's bytes, a RAM block as a state packs it, or a block with its zero pages known. */
export type BlockBytes = Uint8Array | PackedBlock | PagedBlock;

export const isPacked = (block: BlockBytes): block is PackedBlock => "packed" in block;
export const bytesOf = (block: BlockBytes): Uint8Array => (block instanceof Uint8Array ? block : isPacked(block) ? block.expand() : block.bytes);

/** A state's parts, and where each RAM block's packed pages begin (one more: where the last ends), kept by state. */
interface StateIndex {
  ranges: PartRange[];
  packedStarts: Map<number, Int32Array>;
}
const indexes = new WeakMap<Uint8Array, StateIndex>();

function indexOf(raw: Uint8Array): StateIndex {
  let index = indexes.get(raw);
  if (index) return index;
  const ranges = partRanges(raw);
  const packedStarts = new Map<number, Int32Array>();
  ranges.forEach(({ ram }, part) => {
    if (!ram) return;
    const pages = ram.bitmap.length * 8;
    const perBlock = MEMORY_BLOCK / PAGE;
    const starts = new Int32Array(Math.ceil(pages / perBlock) + 1);
    let packed = ram.start;
    for (let page = 0; page < pages; page++) {
      if (page % perBlock === 0) starts[page / perBlock] = packed;
      if (ram.bitmap[page >> 3] & (1 << (page & 7))) packed += PAGE;
    }
    starts[starts.length - 1] = packed;
    packedStarts.set(part, starts);
  });
  indexes.set(raw, (index = { ranges, packedStarts }));
  return index;
}

/**
 * The blocks of `raw` at the places given, by the hashes given, as views of it: neither hashed
 * (the pre-booted state's, whose file was checked: hashing all of it costs ~0.1 s on a
 * restore's way) nor copied (its RAM blocks as it packs them: a state is put together from them
 * with one copy of each).
 */
export function blocksIn(raw: Uint8Array, places: ReadonlyMap<string, readonly [number, number]>): Map<string, Uint8Array | PackedBlock> {
  const { ranges, packedStarts } = indexOf(raw);
  const found = new Map<string, Uint8Array | PackedBlock>();
  for (const [hash, [p, i]] of places) {
    const range = ranges[p];
    const starts = packedStarts.get(p);
    if (!range) continue;
    if (!range.ram || !starts) {
      const at = range.start + i * DATA_BLOCK;
      if (at < range.end) found.set(hash, raw.subarray(at, Math.min(at + DATA_BLOCK, range.end)));
    } else if (i + 1 < starts.length && starts[i + 1] > starts[i]) {
      found.set(hash, {
        packed: raw.subarray(starts[i], starts[i + 1]),
        expand: () => expandBlock(raw, range.ram!, i, starts[i]),
        pages: () => blockPages(raw, range.ram!, i, starts[i]),
      });
    }
  }
  return found;
}

/** The pages of RAM block `index` of a state, packed from `packed` on: views of it, null for a zero page. */
function blockPages(raw: Uint8Array, ram: Ram, index: number, packed: number): Array<Uint8Array | null> {
  const perBlock = MEMORY_BLOCK / PAGE;
  const first = index * perBlock;
  const count = Math.min(perBlock, ram.bitmap.length * 8 - first);
  const pages: Array<Uint8Array | null> = [];
  for (let i = 0; i < count; i++) {
    const page = first + i;
    if (!(ram.bitmap[page >> 3] & (1 << (page & 7)))) pages.push(null);
    else {
      pages.push(raw.subarray(packed, packed + PAGE));
      packed += PAGE;
    }
  }
  return pages;
}

/** RAM block `index` of a state, its pages packed from `packed` on, zero pages as zeros (as memoryPart makes it). */
function expandBlock(raw: Uint8Array, ram: Ram, index: number, packed: number): Uint8Array {
  const perBlock = MEMORY_BLOCK / PAGE;
  const first = index * perBlock;
  const count = Math.min(perBlock, ram.bitmap.length * 8 - first);
  const block = new Uint8Array(count * PAGE);
  for (let i = 0; i < count; i++) {
    const page = first + i;
    if (!(ram.bitmap[page >> 3] & (1 << (page & 7)))) continue;
    block.set(raw.subarray(packed, packed + PAGE), i * PAGE);
    packed += PAGE;
  }
  return block;
}

/** The same blocks, each whole (a snapshot file carries them so). */
export function blocksAt(raw: Uint8Array, places: ReadonlyMap<string, readonly [number, number]>): Map<string, Uint8Array> {
  return new Map([...blocksIn(raw, places)].map(([hash, block]) => [hash, bytesOf(block)]));
}

/** The size of each block a layout names, in order (what a block must decompress to). */
export function blockSizes(layout: StateLayout): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const part of layout.parts) {
    const unit = part.kind === "bytes" ? DATA_BLOCK : MEMORY_BLOCK;
    const total = part.kind === "bytes" ? part.length : part.pages * PAGE;
    part.blocks.forEach((hash, i) => hash && sizes.set(hash, Math.min(unit, total - i * unit)));
  }
  return sizes;
}

export function isZeroPage(block: Uint8Array, at: number): boolean {
  const words = new Uint32Array(block.buffer, block.byteOffset + at, PAGE / 4);
  for (let i = 0; i < words.length; i++) if (words[i]) return false;
  return true;
}

/** Copies a part of plain bytes into `out` from `at`, block by block; returns where it ends (throws if its blocks do not make it up). */
export function copyBytesPart(part: StatePart, block: (hash: string) => BlockBytes, out: Uint8Array, at: number): number {
  const end = at + part.length;
  for (const hash of part.blocks) {
    if (!hash) continue;
    const data = bytesOf(block(hash));
    if (at + data.length > end) throw new Error("the blocks do not make up the state they were saved from");
    out.set(data, at);
    at += data.length;
  }
  if (at !== end) throw new Error("the blocks do not make up the state they were saved from");
  return at;
}

/**
 * The raw state again, from its layout and blocks (each already checked against its name; a
 * packed RAM block, another state's, is copied as it is); throws if they do not fit the layout.
 */
export function assembleState(layout: StateLayout, blocks: ReadonlyMap<string, BlockBytes>): Uint8Array {
  const raw = new Uint8Array(layout.rawSize);
  const block = (hash: string) => {
    const data = blocks.get(hash);
    if (!data) throw new Error(`block ${hash.slice(0, 12)} is missing`);
    return data;
  };
  let at = 0;
  for (const part of layout.parts) {
    if (at + part.length > raw.length) throw new Error("the blocks add up to more than the state");
    if (part.kind === "bytes") {
      at = copyBytesPart(part, block, raw, at);
      continue;
    }
    const end = at + part.length;
    for (const hash of part.blocks) {
      if (!hash) continue;
      const found = block(hash);
      if (isPacked(found)) {
        if (at + found.packed.length > end) throw new Error("RAM has more pages than the state packed");
        raw.set(found.packed, at);
        at += found.packed.length;
        continue;
      }
      if (!(found instanceof Uint8Array)) {
        for (const page of found.pages) {
          if (!page) continue;
          if (at + PAGE > end) throw new Error("RAM has more pages than the state packed");
          raw.set(page, at);
          at += PAGE;
        }
        continue;
      }
      const data = found.byteOffset % 4 ? found.slice() : found;
      for (let page = 0; page < data.length; page += PAGE) {
        if (isZeroPage(data, page)) continue; // (v86 packs only the non-zero pages)
        if (at + PAGE > end) throw new Error("RAM has more pages than the state packed");
        raw.set(data.subarray(page, page + PAGE), at);
        at += PAGE;
      }
    }
    if (at !== end) throw new Error("RAM has fewer pages than the state packed");
  }
  if (at !== raw.length) throw new Error("the blocks do not make up the state they were saved from");
  return raw;
}
