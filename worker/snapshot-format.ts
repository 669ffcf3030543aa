// What a snapshot is, checked: its header (what it needs to be restored safely, and what the
// page gave it), its layout (state-blocks.ts), and the one-file form a learner exports and
// imports: magic, a JSON index (header, layout, each block's hash and stored size), then the
// stored blocks one after another. An imported file is checked in full (every block
// decompresses to its size and has its hash, and the blocks make up the state) before any of it
// is stored.
import type { JsonValue, LessonPlace, SnapshotRequest, TerminalId } from "./api";
import { blockHash, decompressBlock } from "./block-codec";
import { VmError } from "./errors";
import { assembleState, blockSizes, type StateLayout } from "./state-blocks";

const MAGIC = new TextEncoder().encode("CONTAINED-SNAPSHOT-2\n");
const MAX_INDEX_BYTES = 64 << 20;
const HASH = /^[0-9a-f]{64}$/;

export interface SnapshotHeader {
  name: string;
  kind: "auto" | "named";
  createdAt: string;
  imageId: string;
  v86Version: string;
  memorySize: number;
  appVersion: string;
  place?: LessonPlace;
  lessonState?: JsonValue;
  screens?: Partial<Record<TerminalId, string>>;
}

/** The machine a snapshot must be restored into. */
export interface MachineIdentity {
  imageId: string;
  v86Version: string;
  memorySize: number;
}

export function badSnapshot(what: string): VmError {
  return new VmError("bad-snapshot", what);
}

/** Why `header` cannot be restored into `machine`, or null. */
export function mismatch(header: MachineIdentity, machine: MachineIdentity): string | null {
  if (header.imageId !== machine.imageId) {
    return `this snapshot was saved from another Linux image (${header.imageId.slice(0, 12)}), not this one (${machine.imageId.slice(0, 12)})`;
  }
  if (header.v86Version !== machine.v86Version) return `this snapshot was saved by emulator v86 ${header.v86Version}; this lab runs ${machine.v86Version}`;
  if (header.memorySize !== machine.memorySize)
    return `this snapshot is of a machine with ${header.memorySize >> 20} MB of RAM; this lab's has ${machine.memorySize >> 20} MB`;
  return null;
}

export function headerFor(request: SnapshotRequest, machine: MachineIdentity, appVersion: string): SnapshotHeader {
  const header: SnapshotHeader = { name: request.name, kind: request.kind, createdAt: new Date().toISOString(), ...machine, appVersion };
  if (request.place) header.place = request.place;
  if (request.lessonState !== undefined) header.lessonState = request.lessonState;
  if (request.screens) header.screens = request.screens;
  return parseHeader(header); // (what the page sent is checked as an imported file's is)
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseHeader(v: unknown): SnapshotHeader {
  if (!isObject(v)) throw badSnapshot("the snapshot has no header");
  for (const field of ["name", "createdAt", "imageId", "v86Version", "appVersion"] as const) {
    if (typeof v[field] !== "string") throw badSnapshot(`the snapshot's header has no ${field}`);
  }
  if (v.kind !== "auto" && v.kind !== "named") throw badSnapshot("the snapshot's header says neither auto nor named");
  if (!Number.isInteger(v.memorySize)) throw badSnapshot("the snapshot's header has no memorySize");
  if (Number.isNaN(Date.parse(v.createdAt as string))) throw badSnapshot("the snapshot's header has no valid createdAt");
  const place = v.place;
  if (place !== undefined && !(isObject(place) && typeof place.lesson === "string" && Number.isInteger(place.step))) {
    throw badSnapshot("the snapshot's lesson place is not a lesson and a step");
  }
  const screens = v.screens;
  if (screens !== undefined && !(isObject(screens) && Object.entries(screens).every(([k, s]) => (k === "main" || k === "second") && typeof s === "string"))) {
    throw badSnapshot("the snapshot's terminal screens are not text");
  }
  return v as unknown as SnapshotHeader;
}

export function parseLayout(v: unknown): StateLayout {
  const bad = () => badSnapshot("the snapshot's list of blocks is damaged");
  if (!isObject(v) || !Number.isInteger(v.rawSize) || !Array.isArray(v.parts)) throw bad();
  let total = 0;
  for (const part of v.parts as unknown[]) {
    if (!isObject(part) || !Number.isInteger(part.length) || !Array.isArray(part.blocks)) throw bad();
    if (part.kind === "bytes" && !part.blocks.every((h) => typeof h === "string" && HASH.test(h))) throw bad();
    if (part.kind === "memory" && !(Number.isInteger(part.pages) && part.blocks.every((h) => h === null || (typeof h === "string" && HASH.test(h)))))
      throw bad();
    if (part.kind !== "bytes" && part.kind !== "memory") throw bad();
    total += part.length as number;
  }
  if (total !== v.rawSize) throw bad();
  return v as unknown as StateLayout;
}

export function encodeSnapshotFile(header: SnapshotHeader, layout: StateLayout, stored: Array<[string, Uint8Array]>): Uint8Array {
  const index = new TextEncoder().encode(JSON.stringify({ header, layout, blocks: stored.map(([hash, data]) => [hash, data.length]) }));
  const size = MAGIC.length + 4 + index.length + stored.reduce((n, [, d]) => n + d.length, 0);
  const out = new Uint8Array(size);
  out.set(MAGIC);
  new DataView(out.buffer).setUint32(MAGIC.length, index.length, true);
  out.set(index, MAGIC.length + 4);
  let at = MAGIC.length + 4 + index.length;
  for (const [, data] of stored) {
    out.set(data, at);
    at += data.length;
  }
  return out;
}

export interface SnapshotFile {
  header: SnapshotHeader;
  layout: StateLayout;
  /** stored (compressed) blocks, by hash, each checked */
  stored: Map<string, Uint8Array>;
}

function readIndex(file: Uint8Array): { index: Record<string, unknown>; end: number } {
  if (file.length < MAGIC.length + 4 || !MAGIC.every((b, i) => file[i] === b)) throw badSnapshot("this file is not a Contained snapshot");
  const length = new DataView(file.buffer, file.byteOffset).getUint32(MAGIC.length, true);
  const end = MAGIC.length + 4 + length;
  if (length > MAX_INDEX_BYTES || end > file.length) throw badSnapshot("the snapshot file is truncated (its header is cut off)");
  let index: unknown;
  try {
    index = JSON.parse(new TextDecoder().decode(file.subarray(MAGIC.length + 4, end)));
  } catch {
    throw badSnapshot("the snapshot's header is damaged (not JSON)");
  }
  if (!isObject(index)) throw badSnapshot("the snapshot's header is damaged");
  return { index, end };
}

/** Reads and checks a whole snapshot file; throws a "bad-snapshot" VmError naming what is wrong. */
export async function decodeSnapshotFile(file: Uint8Array): Promise<SnapshotFile> {
  const { index, end } = readIndex(file);
  const header = parseHeader(index.header);
  const layout = parseLayout(index.layout);
  const list = index.blocks;
  if (!Array.isArray(list) || !list.every((e) => Array.isArray(e) && typeof e[0] === "string" && Number.isInteger(e[1]) && e[1] >= 0)) {
    throw badSnapshot("the snapshot's list of blocks is damaged");
  }
  const sizes = blockSizes(layout);
  const listed = new Set(list.map((e) => e[0] as string));
  const missing = [...sizes.keys()].filter((h) => !listed.has(h)).length;
  if (missing) throw badSnapshot(`the snapshot file lacks ${missing} of the blocks its state is made of`);
  const needed = list.reduce((n: number, e) => n + (e[1] as number), 0);
  if (end + needed > file.length) throw badSnapshot(`the snapshot file is truncated: ${end + needed - file.length} bytes of its blocks are missing`);
  if (end + needed < file.length) throw badSnapshot("the snapshot file has bytes after its last block");
  const stored = new Map<string, Uint8Array>();
  const raw = new Map<string, Uint8Array>();
  let at = end;
  const checks = (list as Array<[string, number]>).map(async ([hash, length], i) => {
    const data = file.subarray(at, (at += length));
    const size = sizes.get(hash);
    if (size === undefined) throw badSnapshot(`block ${i + 1} of the snapshot file is not part of its state`);
    const bytes = await decompressBlock(data, size).catch(() => null);
    if (!bytes || (await blockHash(bytes)) !== hash) throw badSnapshot(`block ${i + 1} of ${list.length} of the snapshot file is damaged`);
    stored.set(hash, data.slice());
    raw.set(hash, bytes);
  });
  await Promise.all(checks);
  try {
    assembleState(layout, raw);
  } catch (e) {
    throw badSnapshot(`the snapshot's blocks do not make up its state (${(e as Error).message})`);
  }
  return { header, layout, stored };
}
