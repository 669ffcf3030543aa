// Snapshot storage: a few plain functions over two idb-keyval stores, injected as the last
// parameter (tests give fake-indexeddb's). `blocks` holds each block once, keyed by the sha256
// of its bytes: a save writes its new blocks raw (compressing them held an automatic save after
// an unpack for over a second), and a pass after it (snapshot-compaction.ts) puts each one's
// compressed form under the same key; `snapshots` holds one small record per snapshot: header, layout and
// the stored size of each block it stores (blocks of the pre-booted state are not stored: a
// restore takes them from it, as it takes the blocks that new ones patch). A save writes its new blocks first and its record last,
// so a snapshot is listed only once all its data is stored; a save cut short leaves only blocks
// no record names, which the next delete or prune collects. Changes are made one at a time,
// across tabs too where the browser has Web Locks.
import { createStore, del, delMany, entries, get, getMany, keys, set, setMany, type UseStore } from "idb-keyval";
import { awaitsCompression, compressedStored, isPatchBlock, isStoredBlock, rawBlock, storedSize, type PatchBlock, type StoredBlock } from "./block-codec";
import { compressOffThread } from "./block-compressor";
import { VmError } from "./errors";
import type { SnapshotHeader } from "./snapshot-format";
import type { StateLayout } from "./state-blocks";

export interface SnapshotStores {
  snapshots: UseStore;
  blocks: UseStore;
}

export interface StoredSnapshot {
  id: string;
  header: SnapshotHeader;
  layout: StateLayout;
  /** the stored size of every block of the layout that is stored */
  blockBytes: Record<string, number>;
  /** the blocks its save wrote raw that are not known to be compressed yet (snapshot-compaction.ts) */
  rawBlocks?: string[];
  /** the blocks its save wrote as patches against its base (block-patch.ts) */
  patched?: string[];
  /** what its save added */
  addedBytes: number;
  /**
   * The pre-booted state whose blocks it shares and does not store (by its file's sha256), and
   * where in that state each such block is; a restore takes them from it.
   */
  base?: { sha256: string; blocks: Record<string, [number, number]> };
}

/** How long a put took to prepare its new blocks (compressed only where storage is too full for them raw), and to write them and its record, ms. */
export interface StoreTimeline {
  compress: number;
  write: number;
}

/** A snapshot to store. */
export interface NewSnapshot {
  id: string;
  header: SnapshotHeader;
  layout: StateLayout;
  /** the blocks its layout names, raw (or stored already: see putStoredSnapshot) */
  blocks: ReadonlyMap<string, Uint8Array>;
  /** the pre-booted state's blocks (where each is in it, by hash): those are not stored */
  base?: { sha256: string; places: ReadonlyMap<string, readonly [number, number]> };
  /** a new block as a patch against that state (block-patch.ts), or null to store it whole */
  patch?: (hash: string, block: Uint8Array) => PatchBlock | null;
}

/** Automatic checkpoints kept: the newest this many, and the newest of each lesson step. */
export const KEEP_AUTOMATIC = 10;

let defaults: SnapshotStores | null = null;
/** The browser's stores (opened when first used). */
export function defaultStores(): SnapshotStores {
  defaults ??= { snapshots: createStore("contained-snapshots", "snapshots"), blocks: createStore("contained-snapshot-blocks", "blocks") };
  return defaults;
}

let queue: Promise<unknown> = Promise.resolve();
/** Runs `change` after every change begun before it, here and (with Web Locks) in other tabs. */
export function oneAtATime<T>(change: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  const run = () => (locks ? (locks.request("contained-snapshots", change) as Promise<T>) : change());
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * A storage failure as the typed error it is: storage full ("quota-exceeded"), or storage the
 * browser does not give the lab here ("storage-unavailable": IndexedDB refused, as Chromium does
 * in a frame of another site with third-party storage blocked, or missing altogether).
 */
export function storeFailure(e: unknown): never {
  const { name = "", message = "" } = (e ?? {}) as { name?: string; message?: string };
  if (isQuotaError(e)) {
    throw new VmError("quota-exceeded", "the browser's storage for this site is full: delete snapshots you no longer need (the earlier ones are kept)");
  }
  if (name === "SecurityError" || /denied permission|not allowed to access|indexedDB is not defined/i.test(message) || typeof indexedDB === "undefined") {
    throw new VmError("storage-unavailable", `the browser gives the lab no storage in this page (${message || name}), so snapshots cannot be kept here`);
  }
  throw e;
}

function isQuotaError(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === "QuotaExceededError";
}

export async function records(stores: SnapshotStores): Promise<StoredSnapshot[]> {
  return (await entries<string, StoredSnapshot>(stores.snapshots).catch(storeFailure)).map(([, record]) => record);
}

/**
 * Stores a snapshot: the blocks neither a stored snapshot nor the base has (raw: the pass after
 * compresses them), then its record. Where storage is too full for them raw, they are
 * compressed now and written again; too full for that too, "quota-exceeded".
 */
export function putSnapshot(snapshot: NewSnapshot, stores: SnapshotStores = defaultStores(), timeline?: StoreTimeline): Promise<StoredSnapshot> {
  if (!deferCompression) return putCompressed(snapshot, stores, timeline);
  return putStored(snapshot, rawBlock, stores, timeline);
}

let deferCompression = true;
/** The bench's A/B: blocks compressed in the save itself, as before the pass after it. */
export function compressInSave(on: boolean): void {
  deferCompression = !on;
}

/** A save that compresses its new blocks before it writes them (compressInSave). */
async function putCompressed(snapshot: NewSnapshot, stores: SnapshotStores, timeline: StoreTimeline = { compress: 0, write: 0 }): Promise<StoredSnapshot> {
  const t0 = performance.now();
  const known = new Set<string>();
  for (const record of await records(stores)) for (const hash of Object.keys(record.blockBytes)) known.add(hash);
  const fresh = [...snapshot.blocks].filter(([hash]) => !known.has(hash) && !snapshot.base?.places.has(hash));
  const compressed = new Map(await Promise.all(fresh.map(async ([hash, data]) => [hash, await compressOffThread(data)] as const)));
  const compressing = performance.now() - t0;
  const blocks = new Map([...snapshot.blocks].map(([hash, data]) => [hash, compressed.get(hash) ?? data]));
  const record = await putStored({ ...snapshot, blocks, patch: undefined }, (data) => data, stores, timeline);
  timeline.compress += compressing;
  return record;
}

/** The same, with blocks that are stored (compressed) already: an imported file's. */
export function putStoredSnapshot(snapshot: NewSnapshot, stores: SnapshotStores = defaultStores()): Promise<StoredSnapshot> {
  return putStored(snapshot, (data) => data, stores);
}

/** Writes blocks; when storage is too full for raw ones, compresses them and tries again. */
async function writeBlocks(blocks: Array<[string, StoredBlock]>, stores: SnapshotStores, timeline: StoreTimeline): Promise<Array<[string, StoredBlock]>> {
  try {
    await setMany(blocks, stores.blocks);
    return blocks;
  } catch (e) {
    if (!isQuotaError(e) || !blocks.some(([, block]) => awaitsCompression(block))) storeFailure(e);
  }
  const t0 = performance.now();
  const compressed = await Promise.all(
    blocks.map(async ([hash, block]): Promise<[string, StoredBlock]> => [hash, (await compressedStored(block, compressOffThread)) ?? block]),
  );
  timeline.compress += performance.now() - t0;
  await setMany(compressed, stores.blocks).catch(storeFailure);
  return compressed;
}

/**
 * Of the stored blocks `hashes`, those stored as patches against another pre-booted state than
 * `sha256`: no use to a snapshot of this one, they are stored again, whole (which serves the
 * snapshots of that state as well).
 */
async function foreignPatches(all: readonly StoredSnapshot[], hashes: string[], sha256: string | undefined, stores: SnapshotStores): Promise<Set<string>> {
  const patchedElsewhere = new Set<string>();
  for (const record of all) if (record.base?.sha256 !== sha256) for (const hash of record.patched ?? []) patchedElsewhere.add(hash);
  const suspects = hashes.filter((hash) => patchedElsewhere.has(hash));
  if (!suspects.length) return new Set();
  const forms = await getMany<unknown>(suspects, stores.blocks).catch(storeFailure);
  return new Set(suspects.filter((_, i) => isPatchBlock(forms[i]) && (forms[i] as PatchBlock).state !== sha256));
}

function putStored(
  { id, header, layout, blocks, base, patch }: NewSnapshot,
  store: (data: Uint8Array) => StoredBlock,
  stores: SnapshotStores,
  timeline: StoreTimeline = { compress: 0, write: 0 },
): Promise<StoredSnapshot> {
  return oneAtATime(async () => {
    let t0 = performance.now();
    const known = new Map<string, number>();
    const all = await records(stores);
    for (const record of all) for (const [hash, size] of Object.entries(record.blockBytes)) known.set(hash, size);
    const kept = [...blocks].filter(([hash]) => !base?.places.has(hash));
    const foreign = await foreignPatches(
      all,
      kept.map(([hash]) => hash).filter((hash) => known.has(hash)),
      base?.sha256,
      stores,
    );
    const fresh = kept
      .filter(([hash]) => !known.has(hash) || foreign.has(hash))
      .map(([hash, data]): [string, StoredBlock] => [hash, (!known.has(hash) && patch?.(hash, data)) || store(data)]);
    timeline.compress = performance.now() - t0;
    const prepared = timeline.compress;
    t0 = performance.now();
    const written = fresh.length ? await writeBlocks(fresh, stores, timeline) : fresh;
    const blockBytes: Record<string, number> = {};
    for (const [hash, block] of written) blockBytes[hash] = storedSize(block);
    for (const [hash] of kept) blockBytes[hash] ??= known.get(hash) ?? 0;
    const record: StoredSnapshot = { id, header, layout, blockBytes, addedBytes: written.reduce((n, [, block]) => n + storedSize(block), 0) };
    const raw = written.filter(([, block]) => awaitsCompression(block)).map(([hash]) => hash);
    if (raw.length) record.rawBlocks = raw;
    const patched = written.filter(([, block]) => isPatchBlock(block)).map(([hash]) => hash);
    if (patched.length) record.patched = patched;
    if (base && (kept.length < blocks.size || patched.length)) {
      const shared: Record<string, [number, number]> = {};
      for (const hash of blocks.keys()) {
        const place = base.places.get(hash);
        if (place) shared[hash] = [place[0], place[1]];
      }
      record.base = { sha256: base.sha256, blocks: shared };
    }
    await set(id, record, stores.snapshots).catch(storeFailure);
    timeline.write = performance.now() - t0 - (timeline.compress - prepared); // (less a fallback's compression)
    return record;
  });
}

export function listSnapshots(stores: SnapshotStores = defaultStores()): Promise<StoredSnapshot[]> {
  return records(stores).then((all) => all.sort((a, b) => b.header.createdAt.localeCompare(a.header.createdAt)));
}

export async function getSnapshot(id: string, stores: SnapshotStores = defaultStores()): Promise<StoredSnapshot> {
  const record = await get<StoredSnapshot>(id, stores.snapshots).catch(storeFailure);
  if (!record) throw new VmError("no-such-snapshot", "there is no such snapshot (it may have been deleted in another tab)");
  return record;
}

/** A snapshot's stored blocks, by hash, in their stored forms; throws "bad-snapshot" if any is missing. */
export async function getStoredBlocks(record: StoredSnapshot, stores: SnapshotStores = defaultStores()): Promise<Map<string, StoredBlock>> {
  const hashes = Object.keys(record.blockBytes);
  const found = await getMany<unknown>(hashes, stores.blocks);
  const missing = found.filter((b) => !isStoredBlock(b)).length;
  if (missing)
    throw new VmError("bad-snapshot", `the snapshot "${record.header.name}" is damaged: ${missing} of its ${hashes.length} blocks are missing from storage`);
  return new Map(hashes.map((hash, i) => [hash, found[i] as StoredBlock]));
}

export function renameSnapshot(id: string, name: string, stores: SnapshotStores = defaultStores()): Promise<StoredSnapshot> {
  return oneAtATime(async () => {
    const record = await getSnapshot(id, stores);
    const renamed = { ...record, header: { ...record.header, name } };
    await set(id, renamed, stores.snapshots).catch(storeFailure);
    return renamed;
  });
}

export function deleteSnapshot(id: string, stores: SnapshotStores = defaultStores()): Promise<void> {
  return oneAtATime(async () => {
    await del(id, stores.snapshots);
    await collectBlocks(stores);
  });
}

/** Deletes the blocks no snapshot uses (a save cut short leaves some). */
async function collectBlocks(stores: SnapshotStores): Promise<number> {
  const used = new Set<string>();
  for (const record of await records(stores)) for (const hash of Object.keys(record.blockBytes)) used.add(hash);
  const unused = (await keys<string>(stores.blocks)).filter((hash) => !used.has(hash));
  if (unused.length) await delMany(unused, stores.blocks);
  return unused.length;
}

/** The automatic checkpoints the rule does not keep (KEEP_AUTOMATIC; named ones never). */
export function checkpointsToPrune(all: readonly StoredSnapshot[]): string[] {
  const automatic = all.filter((r) => r.header.kind === "auto").sort((a, b) => b.header.createdAt.localeCompare(a.header.createdAt));
  const newestOfStep = new Set<string>();
  const keep = new Set(automatic.slice(0, KEEP_AUTOMATIC).map((r) => r.id));
  for (const r of automatic) {
    const step = r.header.place ? `${r.header.place.lesson}#${r.header.place.step}` : null;
    if (step && !newestOfStep.has(step)) {
      newestOfStep.add(step);
      keep.add(r.id);
    }
  }
  return automatic.filter((r) => !keep.has(r.id)).map((r) => r.id);
}

/** Deletes the checkpoints the rule does not keep, and the blocks then unused; returns their ids. */
export function pruneCheckpoints(stores: SnapshotStores = defaultStores()): Promise<string[]> {
  return oneAtATime(async () => {
    const pruned = checkpointsToPrune(await records(stores));
    if (pruned.length) await delMany(pruned, stores.snapshots);
    await collectBlocks(stores);
    return pruned;
  });
}

/** Bytes of all stored blocks (each once). */
export async function storedBytes(stores: SnapshotStores = defaultStores()): Promise<number> {
  const sizes = new Map<string, number>();
  for (const record of await records(stores)) for (const [hash, size] of Object.entries(record.blockBytes)) sizes.set(hash, size);
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}
