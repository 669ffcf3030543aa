// Snapshots of a running machine, in the browser's storage: the steps between the machine
// (running-machine.ts), the blocks (state-blocks.ts) and the store (snapshot-store.ts).
// Blocks the snapshot shares with the pre-booted state (the base) are not stored: a machine
// started from that state has it in memory, and the first save of a booted lab then writes
// 1 MB instead of 4.6 MB. New blocks that differ from the base's at their place in a few pages
// are stored as those pages (block-patch.ts). An exported file carries every block whole, so it
// stands alone.
import type { RestoredSnapshot, SavedSnapshot, SaveTimeline, SnapshotRequest, SnapshotSummary, StorageEstimate } from "./api";
import { APP_VERSION } from "./app-version";
import { blockHash, compressBlock, compressedForm, isPatchBlock, readBlock } from "./block-codec";
import { applyPatch, openPatch, patchPacked, patcherFor, type OpenPatch } from "./block-patch";
import { compactBlocks } from "./snapshot-compaction";
import { keepResumeCopy } from "./resume-copy";
import { VmError } from "./errors";
import type { Manifest } from "./manifest";
import type { RunningMachine } from "./running-machine";
import { decodeSnapshotFile, encodeSnapshotFile, headerFor, mismatch, type MachineIdentity } from "./snapshot-format";
import * as store from "./snapshot-store";
import { assembleRamless, type RamlessState } from "./ramless-state";
import { assembleState, blockPlaces, blockSizes, blocksAt, blocksIn, splitState, type BlockBytes, type PagedBlock, type StateLayout } from "./state-blocks";

/** The pre-booted state, raw, named by its file's sha256. */
export interface BaseState {
  sha256: string;
  raw: Uint8Array;
}

export function identity(manifest: Manifest): MachineIdentity {
  return { imageId: manifest.id, v86Version: manifest.v86Version, memorySize: manifest.memorySize };
}

export function summary(record: store.StoredSnapshot, machine: MachineIdentity | null): SnapshotSummary {
  const { header } = record;
  return {
    id: record.id,
    name: header.name,
    kind: header.kind,
    createdAt: header.createdAt,
    ...(header.place ? { place: header.place } : {}),
    imageId: header.imageId,
    v86Version: header.v86Version,
    memorySize: header.memorySize,
    appVersion: header.appVersion,
    matchesImage: machine !== null && mismatch(header, machine) === null,
    size: Object.values(record.blockBytes).reduce((n, b) => n + b, 0),
    addedBytes: record.addedBytes,
  };
}

/** The machine's raw state, its page cache dropped first when it grew (RunningMachine.dropPageCacheIfGrown). */
async function takeState(running: RunningMachine, timeline: SaveTimeline): Promise<Uint8Array> {
  Object.assign(timeline, await running.dropPageCacheIfGrown());
  const t0 = performance.now();
  const raw = await running.saveRaw();
  timeline.state = performance.now() - t0;
  timeline.taken = timeline.check + timeline.drop + timeline.state;
  return raw;
}

/** Where each of a base's blocks is, by hash, kept (splitting the base takes ~0.1 s). */
const basePlaces = new WeakMap<Uint8Array, Promise<ReadonlyMap<string, readonly [number, number]>>>();
export function placesOf(base: BaseState): Promise<ReadonlyMap<string, readonly [number, number]>> {
  let places = basePlaces.get(base.raw);
  if (!places) basePlaces.set(base.raw, (places = splitState(base.raw).then(({ layout }) => blockPlaces(layout))));
  return places;
}

/**
 * Saves the machine; automatic checkpoints beyond the rule's are pruned after. Its new blocks
 * are stored raw, and compressed by a pass that begins as it returns (snapshot-compaction.ts).
 */
export async function saveSnapshot(
  running: RunningMachine,
  request: SnapshotRequest,
  stores: store.SnapshotStores,
  base: BaseState | null,
): Promise<SavedSnapshot> {
  const timeline: SaveTimeline = { check: 0, drop: 0, state: 0, taken: 0, split: 0, compress: 0, write: 0, prune: 0 };
  const machine = identity(running.manifest);
  const header = headerFor(request, machine, APP_VERSION);
  const raw = await takeState(running, timeline);
  let t0 = performance.now();
  const { layout, blocks } = await splitState(raw);
  const shared = base && { sha256: base.sha256, places: await placesOf(base) };
  timeline.split = performance.now() - t0;
  const record = await store.putSnapshot(
    { id: crypto.randomUUID(), header, layout, blocks, ...(shared && base ? { base: shared, patch: patcherFor(base, layout) } : {}) },
    stores,
    timeline,
  );
  t0 = performance.now();
  if (request.kind === "auto") await store.pruneCheckpoints(stores);
  timeline.prune = performance.now() - t0;
  // (the latest automatic one is what the next visit resumes: kept whole too, once this save is done)
  if (request.kind === "auto") void keepResumeCopy(record.id, raw);
  if (record.rawBlocks) void compactBlocks(stores);
  return { ...summary(record, machine), timeline };
}

/** A stored snapshot's record and its stored blocks, raw: what needs no base. */
export interface StoredBlocks {
  record: store.StoredSnapshot;
  /**
   * each whole block of the right size, or a patch opened (its units of the right size, put
   * together with its base's block in stateOf); whether each is what its name says is
   * `checked`'s to say
   */
  blocks: Map<string, Uint8Array | OpenPatch>;
  /**
   * Resolves to "bad-snapshot" if a whole block is not what its name (sha256) says, else null:
   * the hashes are worked out while the state is put together (and, on a resume, restored), not
   * before (~0.1 s after an unpack); nothing is given the machine until it has resolved to null.
   * (Patched blocks are checked once made: stateOf's `checked`.)
   */
  checked: Promise<VmError | null>;
}

const damaged = (record: store.StoredSnapshot, why: string) =>
  new VmError("bad-snapshot", `the snapshot "${record.header.name}" is damaged in storage (${why}); the machine is as it was`);

/** Whether each block is what its name says: "bad-snapshot" if one is not, else null. */
function checkHashes(record: store.StoredSnapshot, blocks: Iterable<readonly [string, Uint8Array]>): Promise<VmError | null> {
  return Promise.all([...blocks].map(async ([hash, bytes]) => (await blockHash(bytes)) === hash)).then((ok) =>
    ok.every(Boolean) ? null : damaged(record, "a block is not what was stored"),
  );
}

/** Reads a snapshot for `machine`: its record, and its blocks only if it is for that machine. */
export async function readStored(id: string, machine: MachineIdentity, stores: store.SnapshotStores): Promise<StoredBlocks> {
  const record = await store.getSnapshot(id, stores);
  refuseMismatch(record, machine);
  return { record, ...(await readBlocks(record, stores)) };
}

/**
 * The same, begun before the machine it is for is known (a resume, as the start begins: the
 * record and its blocks come out of storage while the manifest and the boot files load). The
 * snapshot is refused as readStored refuses it, once `machine` is given. Its blocks are not
 * read if `blocksWanted` resolves false (a resume from the whole copy: resume-copy.ts).
 */
export function readStoredEarly(id: string, stores: store.SnapshotStores, blocksWanted: Promise<boolean> = Promise.resolve(true)): ReadEarly {
  const reading = store.getSnapshot(id, stores);
  let blocksRead: Promise<Omit<StoredBlocks, "record">> | null = null;
  const blocks = () => (blocksRead ??= reading.then((record) => readBlocks(record, stores)));
  // (read as soon as the record is in, unless they are not wanted; a failure is the caller's, after the check of the record's machine)
  Promise.all([reading, blocksWanted])
    .then(([, wanted]) => {
      if (wanted) blocks().catch(() => {});
    })
    .catch(() => {});
  const record = async (machine: MachineIdentity) => {
    const found = await reading;
    refuseMismatch(found, machine);
    return found;
  };
  return Object.assign(async (machine: MachineIdentity) => ({ record: await record(machine), ...(await blocks()) }), { record });
}

/** A snapshot being read early: its blocks (and record) for `machine`, or its record alone. */
export interface ReadEarly {
  (machine: MachineIdentity): Promise<StoredBlocks>;
  record(machine: MachineIdentity): Promise<store.StoredSnapshot>;
}

function refuseMismatch(record: store.StoredSnapshot, machine: MachineIdentity): void {
  const why = mismatch(record.header, machine);
  if (why) throw new VmError("snapshot-mismatch", `${why}: it cannot be restored here, and it is kept`);
}

async function readBlocks(record: store.StoredSnapshot, stores: store.SnapshotStores): Promise<Omit<StoredBlocks, "record">> {
  const sizes = blockSizes(record.layout);
  const stored = [...(await store.getStoredBlocks(record, stores))];
  // (here, on the emulator's thread: read in block workers, a resume after the unpack reached
  // its prompt later in the page, 2076 and 1868 ms against 1954 and 1685, alternating: a new
  // page starts them cold, and the blocks are copied there and back)
  const opened = await Promise.all(
    stored.map(([hash, block]) => (isPatchBlock(block) ? openPatch(block, sizes.get(hash) ?? -1) : readBlock(block, sizes.get(hash) ?? -1))),
  ).catch((e: Error) => Promise.reject(damaged(record, e.message)));
  const blocks = new Map(stored.map(([hash], i) => [hash, opened[i]]));
  const whole = [...blocks].filter((entry): entry is [string, Uint8Array] => entry[1] instanceof Uint8Array);
  return { blocks, checked: checkHashes(record, whole) };
}

/** Loads the pre-booted state `sha256`; "snapshot-mismatch" if this lab does not have it. */
async function baseOf(record: store.StoredSnapshot, sha256: string, base: (sha256: string) => Promise<BaseState | null>): Promise<BaseState> {
  const state = await base(sha256);
  if (!state) throw new VmError("snapshot-mismatch", `the snapshot "${record.header.name}" shares blocks with a pre-booted state this lab does not have`);
  return state;
}

const bytesOf = (block: Uint8Array | PagedBlock): Uint8Array => (block instanceof Uint8Array ? block : block.bytes);

/** The blocks patches make, each from its base's block; "bad-snapshot" when a patch does not fit its block. */
async function patchedBlocks(
  record: store.StoredSnapshot,
  patches: ReadonlyMap<string, OpenPatch>,
  base: (sha256: string) => Promise<BaseState | null>,
): Promise<Map<string, Uint8Array | PagedBlock>> {
  const made = new Map<string, Uint8Array | PagedBlock>();
  const byState = new Map<string, Map<string, OpenPatch>>();
  for (const [hash, open] of patches) byState.set(open.patch.state, (byState.get(open.patch.state) ?? new Map()).set(hash, open));
  for (const [sha256, opens] of byState) {
    const state = await baseOf(record, sha256, base);
    const found = blocksIn(state.raw, new Map([...opens].map(([hash, open]) => [hash, open.patch.place])));
    for (const [hash, open] of opens) {
      const block = found.get(hash);
      if (!block) throw damaged(record, "a patch names a block the pre-booted state does not have");
      try {
        made.set(hash, block instanceof Uint8Array ? applyPatch(block, open) : patchPacked(block, open));
      } catch (e) {
        throw damaged(record, (e as Error).message);
      }
    }
  }
  return made;
}

/** Every block a record's layout names: the stored ones, raw, those patches make, and the base's, as views of it. */
async function withBase(
  { record, blocks }: StoredBlocks,
  base: (sha256: string) => Promise<BaseState | null>,
): Promise<{ all: ReadonlyMap<string, BlockBytes>; patched: ReadonlyMap<string, Uint8Array | PagedBlock> }> {
  const patches = new Map([...blocks].filter((entry): entry is [string, OpenPatch] => !(entry[1] instanceof Uint8Array)));
  const patched = await patchedBlocks(record, patches, base);
  const all = new Map<string, BlockBytes>();
  for (const [hash, block] of blocks) all.set(hash, block instanceof Uint8Array ? block : patched.get(hash)!);
  if (record.base) {
    const state = await baseOf(record, record.base.sha256, base);
    for (const [hash, data] of blocksIn(state.raw, new Map(Object.entries(record.base.blocks)))) if (!all.has(hash)) all.set(hash, data);
  }
  return { all, patched };
}

/**
 * A snapshot's state, put together by `assemble`; "bad-snapshot" when its blocks do not make it
 * up. `checked`: the read's check, and whether each block a patch made is what its name says.
 */
async function assembled<T>(
  read: StoredBlocks,
  base: (sha256: string) => Promise<BaseState | null>,
  assemble: (layout: StateLayout, blocks: ReadonlyMap<string, BlockBytes>) => T,
): Promise<{ state: T; checked: Promise<VmError | null> }> {
  const { all, patched } = await withBase(read, base);
  let state: T;
  try {
    state = assemble(read.record.layout, all);
  } catch (e) {
    throw damaged(read.record, (e as Error).message);
  }
  const made = checkHashes(
    read.record,
    [...patched].map(([hash, block]) => [hash, bytesOf(block)]),
  );
  const checked = Promise.all([read.checked, made]).then(([whole, made]) => whole ?? made);
  return { state, checked };
}

/** A snapshot's raw state (for a running machine to restore). */
export function stateOf(
  read: StoredBlocks,
  base: (sha256: string) => Promise<BaseState | null>,
): Promise<{ state: Uint8Array; checked: Promise<VmError | null> }> {
  return assembled(read, base, assembleState);
}

/** A snapshot's state without RAM's pages, and what writes them (for a machine to start from: ramless-state.ts). */
export function startStateOf(
  read: StoredBlocks,
  base: (sha256: string) => Promise<BaseState | null>,
): Promise<{ state: RamlessState; checked: Promise<VmError | null> }> {
  return assembled(read, base, assembleRamless);
}

/** What a restore gives back to the page. */
export function restored(record: store.StoredSnapshot, machine: MachineIdentity, timeline: RestoredSnapshot["timeline"]): RestoredSnapshot {
  const { lessonState, screens } = record.header;
  return { summary: summary(record, machine), timeline, ...(lessonState !== undefined ? { lessonState } : {}), ...(screens ? { screens } : {}) };
}

export async function restoreSnapshot(
  running: RunningMachine,
  id: string,
  stores: store.SnapshotStores,
  base: (sha256: string) => Promise<BaseState | null>,
): Promise<RestoredSnapshot> {
  const machine = identity(running.manifest);
  const t0 = performance.now();
  const read = await readStored(id, machine, stores);
  const t1 = performance.now();
  const { state, checked } = await stateOf(read, base);
  const problem = await checked;
  if (problem) throw problem;
  const t2 = performance.now();
  await running.restoreRaw(state);
  return restored(read.record, machine, { read: t1 - t0, assemble: t2 - t1, restore: performance.now() - t2 });
}

/** One file with every block, the base's included. */
export async function exportSnapshot(id: string, stores: store.SnapshotStores, base: (sha256: string) => Promise<BaseState | null>): Promise<Uint8Array> {
  const record = await store.getSnapshot(id, stores);
  const stored = await store.getStoredBlocks(record, stores);
  const sizes = blockSizes(record.layout);
  const patches = new Map<string, OpenPatch>();
  for (const [hash, block] of stored)
    if (isPatchBlock(block)) patches.set(hash, await openPatch(block, sizes.get(hash) ?? -1).catch((e: Error) => Promise.reject(damaged(record, e.message))));
  const patched = await patchedBlocks(record, patches, base);
  const blocks = await Promise.all(
    [...stored].map(async ([hash, block]): Promise<[string, Uint8Array]> => [
      hash,
      isPatchBlock(block) ? await compressBlock(bytesOf(patched.get(hash)!)) : await compressedForm(block),
    ]),
  );
  if (record.base) {
    const state = await baseOf(record, record.base.sha256, base);
    for (const [hash, data] of blocksAt(state.raw, new Map(Object.entries(record.base.blocks))))
      if (!stored.has(hash)) blocks.push([hash, await compressBlock(data)]);
  }
  return encodeSnapshotFile(record.header, record.layout, blocks);
}

/** Checks the whole file, and that this lab can restore it, before anything is stored. */
export async function importSnapshot(file: Uint8Array, machine: MachineIdentity, stores: store.SnapshotStores): Promise<SnapshotSummary> {
  const { header, layout, stored } = await decodeSnapshotFile(file);
  const why = mismatch(header, machine);
  if (why) throw new VmError("snapshot-mismatch", `${why}: it was not imported`);
  const record = await store.putStoredSnapshot({ id: crypto.randomUUID(), header, layout, blocks: stored }, stores);
  return summary(record, machine);
}

export async function storageEstimate(stores: store.SnapshotStores): Promise<StorageEstimate> {
  const storage = (globalThis.navigator as { storage?: StorageManager } | undefined)?.storage;
  const estimate = await storage?.estimate?.().catch(() => undefined);
  const persisted = (await storage?.persisted?.().catch(() => undefined)) ?? null;
  return { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted, snapshotBytes: await store.storedBytes(stores) };
}
