// The pass after a save: the blocks it wrote raw (snapshot-store.ts) replaced, one batch at a
// time, by their compressed forms under the same keys (a put each: a block is whole in one form
// or the other, and a read takes either), then the records' sizes brought up to date. Blocks
// are compressed off the emulator's thread (block-compressor.ts); only the swaps hold the store.
// A pass cut short (the tab closed) leaves raw blocks that read as well; the records still list
// them raw, and the next pass (after the next save, or a start) takes them up.
import { getMany, setMany } from "idb-keyval";
import { awaitsCompression, compressedStored, isStoredBlock, storedSize, type StoredBlock } from "./block-codec";
import { compressOffThread } from "./block-compressor";
import { oneAtATime, records, storeFailure, type SnapshotStores, type StoredSnapshot } from "./snapshot-store";

/** Blocks compressed, then swapped in, at a time (a save waits at most for one batch's swap). */
const BATCH = 32;

/** Compresses what the records list raw; resolves to the number of blocks compressed. */
async function compact(stores: SnapshotStores): Promise<number> {
  const pending = new Set<string>();
  for (const record of await records(stores)) for (const hash of record.rawBlocks ?? []) pending.add(hash);
  if (!pending.size) return 0;
  const hashes = [...pending];
  /** each pending block's stored size now (a block no longer stored is left out) */
  const sizes = new Map<string, number>();
  let swapped = 0;
  for (let at = 0; at < hashes.length; at += BATCH) {
    const batch = hashes.slice(at, at + BATCH);
    const found = await getMany<unknown>(batch, stores.blocks).catch(storeFailure);
    const compressed = await Promise.all(
      // (incompressible: stays raw)
      found.map((block) => (isStoredBlock(block) && awaitsCompression(block) ? compressedStored(block, compressOffThread) : null)),
    );
    swapped += await oneAtATime(async () => {
      // (only blocks still stored, still raw: a delete may have collected some meanwhile)
      const now = await getMany<unknown>(batch, stores.blocks).catch(storeFailure);
      const swaps: Array<[string, StoredBlock]> = [];
      batch.forEach((hash, i) => {
        const block = now[i];
        const smaller = compressed[i];
        if (!isStoredBlock(block)) return;
        const swap = awaitsCompression(block) && smaller;
        if (swap) swaps.push([hash, smaller]);
        sizes.set(hash, storedSize(swap ? smaller : block));
      });
      if (swaps.length) await setMany(swaps, stores.blocks).catch(storeFailure);
      return swaps.length;
    });
  }
  await oneAtATime(async () => {
    const changed: Array<[string, StoredSnapshot]> = [];
    for (const record of await records(stores)) {
      const updated = withSizes(record, sizes, pending);
      if (updated !== record) changed.push([record.id, updated]);
    }
    if (changed.length) await setMany(changed, stores.snapshots).catch(storeFailure);
  });
  return swapped;
}

/** A record with the blocks' sizes as stored now, and none of `done` listed raw; the record itself if nothing changed. */
export function withSizes(record: StoredSnapshot, sizes: ReadonlyMap<string, number>, done: ReadonlySet<string>): StoredSnapshot {
  let changed = false;
  const blockBytes = { ...record.blockBytes };
  let addedBytes = record.addedBytes;
  for (const [hash, before] of Object.entries(record.blockBytes)) {
    const size = sizes.get(hash);
    if (size === undefined || size === before) continue;
    blockBytes[hash] = size;
    changed = true;
    if (record.rawBlocks?.includes(hash)) addedBytes -= before - size; // (its save added this block)
  }
  const rawBlocks = (record.rawBlocks ?? []).filter((hash) => !done.has(hash));
  if (!changed && rawBlocks.length === (record.rawBlocks?.length ?? 0)) return record;
  const { rawBlocks: _, ...rest } = record;
  return { ...rest, blockBytes, addedBytes, ...(rawBlocks.length ? { rawBlocks } : {}) };
}

/** The pass not yet begun, and the newest pass, for each pair of stores. */
const queued = new WeakMap<SnapshotStores, Promise<number>>();
const newest = new WeakMap<SnapshotStores, Promise<number>>();

/**
 * Compresses the blocks saves wrote raw, after any pass already running (one pass at a time;
 * calls while one waits share it). Resolves to the blocks compressed; a failure leaves the
 * blocks as they were (raw blocks read as well), and resolves to 0.
 */
export function compactBlocks(stores: SnapshotStores): Promise<number> {
  const waiting = queued.get(stores);
  if (waiting) return waiting;
  const pass = (newest.get(stores) ?? Promise.resolve(0))
    .then(() => {
      queued.delete(stores);
      return compact(stores);
    })
    .catch(() => 0);
  queued.set(stores, pass);
  newest.set(stores, pass);
  return pass;
}

/** Resolves once every pass begun so far has ended. */
export async function compacted(stores: SnapshotStores): Promise<void> {
  await newest.get(stores);
}
