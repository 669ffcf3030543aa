// Snapshots of a running machine, in the browser's storage: the steps between the machine
// (running-machine.ts), the blocks (state-blocks.ts) and the store (snapshot-store.ts).
import type { RestoredSnapshot, SnapshotRequest, SnapshotSummary, StorageEstimate } from "./api";
import { APP_VERSION } from "./app-version";
import { decompressBlock } from "./block-codec";
import { VmError } from "./errors";
import type { Manifest } from "./manifest";
import type { RunningMachine } from "./running-machine";
import { decodeSnapshotFile, encodeSnapshotFile, headerFor, mismatch, type MachineIdentity } from "./snapshot-format";
import * as store from "./snapshot-store";
import { assembleState, blockSizes, splitState } from "./state-blocks";

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

/** Saves the machine; automatic checkpoints beyond the rule's are pruned after. */
export async function saveSnapshot(running: RunningMachine, request: SnapshotRequest, stores: store.SnapshotStores): Promise<SnapshotSummary> {
  const machine = identity(running.manifest);
  const header = headerFor(request, machine, APP_VERSION);
  await running.releasePageCache();
  const { layout, blocks } = await splitState(await running.saveRaw());
  const record = await store.putSnapshot(crypto.randomUUID(), header, layout, blocks, stores);
  if (request.kind === "auto") await store.pruneCheckpoints(stores);
  return summary(record, machine);
}

/** The raw state a stored snapshot holds, checked; "bad-snapshot" when it is damaged. */
async function storedState(record: store.StoredSnapshot, stores: store.SnapshotStores): Promise<Uint8Array> {
  const stored = await store.getStoredBlocks(record, stores);
  const sizes = blockSizes(record.layout);
  const damaged = (why: string) => new VmError("bad-snapshot", `the snapshot "${record.header.name}" is damaged in storage (${why}); the machine is as it was`);
  const raw = new Map<string, Uint8Array>();
  await Promise.all(
    [...stored].map(async ([hash, data]) => {
      raw.set(hash, await decompressBlock(data, sizes.get(hash) ?? -1).catch((e: Error) => Promise.reject(damaged(e.message))));
    }),
  );
  return assembleState(record.layout, raw).catch((e: Error) => Promise.reject(damaged(e.message)));
}

export async function restoreSnapshot(running: RunningMachine, id: string, stores: store.SnapshotStores): Promise<RestoredSnapshot> {
  const record = await store.getSnapshot(id, stores);
  const machine = identity(running.manifest);
  const why = mismatch(record.header, machine);
  if (why) throw new VmError("snapshot-mismatch", `${why}: it cannot be restored here, and it is kept`);
  await running.restoreRaw(await storedState(record, stores));
  const { lessonState, screens } = record.header;
  return { summary: summary(record, machine), ...(lessonState !== undefined ? { lessonState } : {}), ...(screens ? { screens } : {}) };
}

export async function exportSnapshot(id: string, stores: store.SnapshotStores): Promise<Uint8Array> {
  const record = await store.getSnapshot(id, stores);
  const stored = await store.getStoredBlocks(record, stores);
  return encodeSnapshotFile(record.header, record.layout, [...stored]);
}

/** Checks the whole file, and that this lab can restore it, before anything is stored. */
export async function importSnapshot(file: Uint8Array, machine: MachineIdentity, stores: store.SnapshotStores): Promise<SnapshotSummary> {
  const { header, layout, stored } = await decodeSnapshotFile(file);
  const why = mismatch(header, machine);
  if (why) throw new VmError("snapshot-mismatch", `${why}: it was not imported`);
  const record = await store.putStoredSnapshot(crypto.randomUUID(), header, layout, stored, stores);
  return summary(record, machine);
}

export async function storageEstimate(stores: store.SnapshotStores): Promise<StorageEstimate> {
  const storage = (globalThis.navigator as { storage?: StorageManager } | undefined)?.storage;
  const estimate = await storage?.estimate?.().catch(() => undefined);
  const persisted = (await storage?.persisted?.().catch(() => undefined)) ?? null;
  return { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted, snapshotBytes: await store.storedBytes(stores) };
}
