// The snapshot store over fake-indexeddb: what is listed, what is kept, what a failure leaves.
import { beforeEach, describe, expect, it } from "vitest";
import { IDBFactory } from "fake-indexeddb";
import { createStore, keys, type UseStore } from "idb-keyval";
import { blockHash, compressBlock, compressedForm, isPatchBlock, isRawBlock, readBlock, type StoredBlock } from "../../worker/block-codec";
import { compactBlocks } from "../../worker/snapshot-compaction";
import { decodeSnapshotFile, encodeSnapshotFile, type SnapshotHeader } from "../../worker/snapshot-format";
import * as store from "../../worker/snapshot-store";
import { assembleState, blockPlaces, blocksAt, splitState, type StateLayout } from "../../worker/state-blocks";
import { errorCode } from "../../worker/errors";
import type { RunningMachine } from "../../worker/running-machine";
import { restoreSnapshot } from "../../worker/snapshots";

let stores: store.SnapshotStores;
let n = 0;
beforeEach(() => {
  // A fresh database for each test.
  Object.assign(globalThis, { indexedDB: new IDBFactory() });
  stores = { snapshots: createStore(`s${++n}`, "snapshots"), blocks: createStore(`b${n}`, "blocks") };
});

function header(over: Partial<SnapshotHeader> = {}): SnapshotHeader {
  return {
    name: "snap",
    kind: "named",
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, n++)).toISOString(),
    imageId: "a".repeat(64),
    v86Version: "0.5.462",
    memorySize: 128 << 20,
    appVersion: "0.1.0",
    ...over,
  };
}

/** A made-up "state": not v86's layout, so stored as plain 256 KiB blocks. */
function state(seed: number, size = 600 * 1024): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 97) data[i] = (i * 7 + (i >= 512 * 1024 ? seed : 0)) & 255;
  return data;
}

async function save(data: Uint8Array, over: Partial<SnapshotHeader> = {}, s = stores) {
  const { layout, blocks } = await splitState(data);
  return store.putSnapshot({ id: crypto.randomUUID(), header: header(over), layout, blocks }, s);
}

/** A stored block that is whole (these made-up states have no base to patch). */
function whole(block: StoredBlock) {
  if (isPatchBlock(block)) throw new Error("a block stored as a patch");
  return block;
}

/** (toEqual on a typed array this big takes seconds) */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

async function restore(id: string): Promise<Uint8Array> {
  const record = await store.getSnapshot(id, stores);
  const stored = await store.getStoredBlocks(record, stores);
  const { blockSizes } = await import("../../worker/state-blocks");
  const sizes = blockSizes(record.layout);
  const raw = new Map(await Promise.all([...stored].map(async ([h, d]) => [h, await readBlock(whole(d), sizes.get(h)!)] as const)));
  return assembleState(record.layout, raw);
}

/** Each stored block's form, by hash: "raw" or "deflate". */
async function forms(): Promise<string[]> {
  const { entries } = await import("idb-keyval");
  return (await entries<string, unknown>(stores.blocks)).map(([, block]) => (isRawBlock(block) ? "raw" : block instanceof Uint8Array ? "deflate" : "?"));
}

describe("the snapshot store", () => {
  it("gives back the exact state it was given, and lists it", async () => {
    const data = state(1);
    const saved = await save(data, { name: "first" });
    expect(same(await restore(saved.id), data)).toBe(true);
    const list = await store.listSnapshots(stores);
    expect(list.map((r) => r.header.name)).toEqual(["first"]);
  });

  it("stores a block two snapshots share once: the second adds only what changed", async () => {
    const first = await save(state(1));
    const second = await save(state(2)); // differs only after 512 KiB: in the last of three blocks
    expect(first.addedBytes).toBeGreaterThan(0);
    expect(second.addedBytes).toBeGreaterThan(0);
    expect(second.addedBytes).toBeLessThan(first.addedBytes / 2);
    expect(await keys(stores.blocks)).toHaveLength(4);
    expect(await store.storedBytes(stores)).toBe(first.addedBytes + second.addedBytes);
  });

  it("deletes a snapshot and the blocks only it used, keeping what others use", async () => {
    const first = await save(state(1));
    const second = await save(state(2));
    await store.deleteSnapshot(second.id, stores);
    expect(await keys(stores.blocks)).toHaveLength(3);
    expect(same(await restore(first.id), state(1))).toBe(true);
    await expect(store.getSnapshot(second.id, stores)).rejects.toMatchObject({ code: "no-such-snapshot" });
  });

  it("does not store the blocks it shares with the pre-booted state, and says which state that is", async () => {
    const base = await splitState(state(1));
    const { layout, blocks } = await splitState(state(2));
    const saved = await store.putSnapshot(
      { id: "x", header: header(), layout, blocks, base: { sha256: "b".repeat(64), places: blockPlaces(base.layout) } },
      stores,
    );
    expect(saved.base?.sha256).toBe("b".repeat(64));
    // The shared blocks are found in the base by place, and are the base's bytes.
    const found = blocksAt(state(1), new Map(Object.entries(saved.base!.blocks)));
    expect(found.size).toBe(2);
    for (const [hash, data] of found) expect(same(data, base.blocks.get(hash)!)).toBe(true);
    expect(Object.keys(saved.blockBytes)).toHaveLength(1); // the one block that differs
    expect(await keys(stores.blocks)).toHaveLength(1);
  });

  it("renames", async () => {
    const saved = await save(state(1), { name: "old" });
    await store.renameSnapshot(saved.id, "new name", stores);
    expect((await store.getSnapshot(saved.id, stores)).header.name).toBe("new name");
  });

  it("lists nothing of a save whose blocks could not all be stored, and the next delete collects them", async () => {
    const kept = await save(state(1));
    // The record's write fails (as when the tab closes between blocks and record).
    let failRecord = true;
    const flaky: UseStore = (mode, callback) =>
      mode === "readwrite" && failRecord ? Promise.reject(new Error("tab closed")) : stores.snapshots(mode, callback);
    await expect(save(state(3), {}, { snapshots: flaky, blocks: stores.blocks })).rejects.toThrow(/tab closed/);
    failRecord = false;
    expect((await store.listSnapshots(stores)).map((r) => r.id)).toEqual([kept.id]);
    const extra = await save(state(4));
    await store.deleteSnapshot(extra.id, stores);
    expect(await keys(stores.blocks)).toHaveLength(3); // only the kept snapshot's
    expect(same(await restore(kept.id), state(1))).toBe(true);
  });

  it("says storage is full with a typed error, and keeps the earlier snapshots", async () => {
    const kept = await save(state(1));
    const full: UseStore = (mode, callback) =>
      mode === "readwrite" ? Promise.reject(new DOMException("full", "QuotaExceededError")) : stores.blocks(mode, callback);
    const failure = await save(state(5), {}, { snapshots: stores.snapshots, blocks: full }).catch((e: unknown) => e);
    expect(errorCode(failure)).toBe("quota-exceeded");
    expect((failure as Error).message).toMatch(/storage .* is full/);
    expect((await store.listSnapshots(stores)).map((r) => r.id)).toEqual([kept.id]);
    expect(same(await restore(kept.id), state(1))).toBe(true);
  });

  it("says storage is not available where the browser refuses IndexedDB (a frame of another site), and lists nothing", async () => {
    const refused: UseStore = () => Promise.reject(new DOMException("The user denied permission to access the database.", "UnknownError"));
    const failure = await store.listSnapshots({ snapshots: refused, blocks: refused }).catch((e: unknown) => e);
    expect(errorCode(failure)).toBe("storage-unavailable");
    expect((failure as Error).message).toMatch(/no storage in this page \(The user denied permission/);
    // other failures keep their own message
    const other: UseStore = () => Promise.reject(new Error("disk on fire"));
    await expect(store.listSnapshots({ snapshots: other, blocks: other })).rejects.toThrow(/^disk on fire$/);
  });

  it("says which snapshot is damaged when a block is missing from storage", async () => {
    const saved = await save(state(1), { name: "broken" });
    const { del } = await import("idb-keyval");
    await del(Object.keys(saved.blockBytes)[0], stores.blocks);
    await expect(store.getStoredBlocks(await store.getSnapshot(saved.id, stores), stores)).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/"broken" is damaged: 1 of its 3 blocks/),
    });
  });

  it("prunes automatic checkpoints beyond the newest 10, keeping the newest of each step; named ones never", async () => {
    const named = await save(state(0), { kind: "named", name: "mine" });
    const steps: string[] = [];
    for (let i = 0; i < 14; i++) steps.push((await save(state(i), { kind: "auto", place: { lesson: "01-chroot", step: i < 2 ? 1 : 2 } })).id);
    const pruned = await store.pruneCheckpoints(stores);
    const left = new Set((await store.listSnapshots(stores)).map((r) => r.id));
    // steps[0], steps[1] are step 1's (steps[1] the newest of it); steps[4..13] the newest 10.
    expect(pruned.sort()).toEqual([steps[0], steps[2], steps[3]].sort());
    expect(left.has(named.id) && left.has(steps[1]) && steps.slice(4).every((id) => left.has(id))).toBe(true);
    expect(left.size).toBe(12);
  });

  it("writes a save's new blocks raw, and the pass after compresses each under its key: sizes shrink, the state is the same", async () => {
    const data = state(1);
    const saved = await save(data);
    expect(await forms()).toEqual(["raw", "raw", "raw"]);
    expect([...saved.rawBlocks!].sort()).toEqual(Object.keys(saved.blockBytes).sort());
    expect(saved.addedBytes).toBe(data.length);
    expect(await compactBlocks(stores)).toBe(3);
    expect(await forms()).toEqual(["deflate", "deflate", "deflate"]);
    const after = await store.getSnapshot(saved.id, stores);
    expect(after.rawBlocks).toBeUndefined();
    expect(after.addedBytes).toBeLessThan(data.length / 4);
    expect(await store.storedBytes(stores)).toBe(after.addedBytes);
    expect(same(await restore(saved.id), data)).toBe(true);
    expect(await compactBlocks(stores)).toBe(0); // (nothing left raw)
  });

  it("a later snapshot that shares a block written raw has its size brought up to date too, and adds only its own", async () => {
    const first = await save(state(1));
    const second = await save(state(2));
    expect(second.rawBlocks).toHaveLength(1);
    await compactBlocks(stores);
    const [a, b] = [await store.getSnapshot(first.id, stores), await store.getSnapshot(second.id, stores)];
    const shared = Object.keys(a.blockBytes).filter((h) => h in b.blockBytes);
    expect(shared).toHaveLength(2);
    for (const h of shared) expect(b.blockBytes[h]).toBe(a.blockBytes[h]);
    expect(await store.storedBytes(stores)).toBe(a.addedBytes + b.addedBytes);
  });

  it("reads blocks stored compressed, as earlier versions stored every block", async () => {
    const data = state(3);
    const { layout, blocks } = await splitState(data);
    const compressed = new Map(await Promise.all([...blocks].map(async ([h, d]) => [h, await compressBlock(d)] as const)));
    const saved = await store.putStoredSnapshot({ id: "old", header: header(), layout, blocks: compressed }, stores);
    expect(saved.rawBlocks).toBeUndefined();
    expect(await forms()).toEqual(["deflate", "deflate", "deflate"]);
    expect(same(await restore("old"), data)).toBe(true);
  });

  it("a pass cut short (blocks compressed, records not yet told) reads the same, and the next pass sets the sizes", async () => {
    const data = state(4);
    const saved = await save(data);
    const { get, set } = await import("idb-keyval");
    for (const hash of saved.rawBlocks!) {
      const block = await get<unknown>(hash, stores.blocks);
      if (isRawBlock(block)) await set(hash, await compressBlock(block.bytes), stores.blocks);
    }
    expect(same(await restore(saved.id), data)).toBe(true);
    expect(await compactBlocks(stores)).toBe(0); // (nothing to swap: only the sizes)
    const after = await store.getSnapshot(saved.id, stores);
    expect(after.rawBlocks).toBeUndefined();
    expect(await store.storedBytes(stores)).toBeLessThan(data.length / 4);
  });

  it("the pass does not bring back the blocks of a snapshot deleted meanwhile", async () => {
    const saved = await save(state(5));
    const pass = compactBlocks(stores);
    await store.deleteSnapshot(saved.id, stores);
    await pass;
    expect(await keys(stores.blocks)).toHaveLength(0);
  });

  it("when storage is too full for the blocks raw, compresses them and stores them so, nothing left raw", async () => {
    const data = state(6);
    let refusals = 1;
    const tight: UseStore = (mode, callback) =>
      mode === "readwrite" && refusals-- > 0 ? Promise.reject(new DOMException("full", "QuotaExceededError")) : stores.blocks(mode, callback);
    const saved = await save(data, {}, { snapshots: stores.snapshots, blocks: tight });
    expect(saved.rawBlocks).toBeUndefined();
    expect(await forms()).toEqual(["deflate", "deflate", "deflate"]);
    expect(saved.addedBytes).toBeLessThan(data.length / 4);
    expect(same(await restore(saved.id), data)).toBe(true);
  });

  it("lists 50 snapshots, a large one among them, from their records alone (no block is read)", async () => {
    for (let i = 0; i < 49; i++) await save(state(i % 7), { kind: "named" });
    await save(state(99, 20 << 20), { kind: "named", name: "large" });
    let blockReads = 0;
    const counted: UseStore = (mode, callback) => (blockReads++, stores.blocks(mode, callback));
    const list = await store.listSnapshots({ snapshots: stores.snapshots, blocks: counted });
    expect(list).toHaveLength(50);
    expect(blockReads).toBe(0);
    expect(list[0].header.name).toBe("large");
    expect(list[0].header.createdAt > list[49].header.createdAt).toBe(true);
  });
});

describe("a snapshot file", () => {
  async function file() {
    const saved = await save(state(1), { name: "exported" });
    const record = await store.getSnapshot(saved.id, stores);
    const stored = [...(await store.getStoredBlocks(record, stores))];
    return encodeSnapshotFile(
      record.header,
      record.layout,
      await Promise.all(stored.map(async ([h, b]) => [h, await compressedForm(whole(b))] as [string, Uint8Array])),
    );
  }

  it("is read back in full: header, layout and every block", async () => {
    const decoded = await decodeSnapshotFile(await file());
    expect(decoded.header.name).toBe("exported");
    expect(decoded.stored.size).toBe(3);
  });

  const refusals: Array<[string, (f: Uint8Array) => Uint8Array, RegExp]> = [
    ["not a snapshot", () => new TextEncoder().encode("hello, not a snapshot"), /not a Contained snapshot/],
    ["truncated", (f) => f.subarray(0, f.length - 1000), /truncated: 1000 bytes of its blocks are missing/],
    ["cut in its header", (f) => f.subarray(0, 40), /truncated \(its header is cut off\)/],
    ["a byte changed in a block", (f) => f.map((b, i) => (i === f.length - 10 ? b ^ 0x55 : b)), /block 3 of 3 .* is damaged/],
    ["bytes after its end", (f) => new Uint8Array([...f, 0]), /bytes after its last block/],
  ];
  for (const [what, damage, message] of refusals) {
    it(`is refused when ${what}, with a message naming it`, async () => {
      const failure = await decodeSnapshotFile(damage(await file())).catch((e: unknown) => e);
      expect(errorCode(failure)).toBe("bad-snapshot");
      expect((failure as Error).message).toMatch(message);
    });
  }

  it("is refused when its header lacks a field, or its layout does not add up", async () => {
    const f = await file();
    const magic = 21;
    const length = new DataView(f.buffer, f.byteOffset).getUint32(magic, true);
    const index = JSON.parse(new TextDecoder().decode(f.subarray(magic + 4, magic + 4 + length)));
    const rewrite = (change: (i: { header: Record<string, unknown>; layout: StateLayout }) => void) => {
      const copy = structuredClone(index);
      change(copy);
      const blocks = f.subarray(magic + 4 + length);
      const offsets: Array<[string, Uint8Array]> = [];
      let at = 0;
      for (const [hash, size] of copy.blocks as Array<[string, number]>) offsets.push([hash, blocks.subarray(at, (at += size))]);
      return encodeSnapshotFile(copy.header, copy.layout, offsets);
    };
    await expect(decodeSnapshotFile(rewrite((i) => delete i.header.imageId))).rejects.toThrow(/header has no imageId/);
    await expect(decodeSnapshotFile(rewrite((i) => (i.layout.rawSize += 1)))).rejects.toThrow(/list of blocks is damaged/);
    // Lengths that add up, but not to what the blocks hold (the blocks are checked in parallel:
    // which one is named first varies).
    await expect(decodeSnapshotFile(rewrite((i) => ((i.layout.parts[0].length += 1), (i.layout.rawSize += 1))))).rejects.toThrow(
      /do not make up its state|block [1-3] of 3 .* is damaged/,
    );
    expect(await blockHash(new Uint8Array())).toMatch(/^e3b0c442/);
  });
});

describe("restoring a stored snapshot", () => {
  /** A running machine that only records the states it is given (the snapshot steps' side of it). */
  function machine() {
    const restored: Uint8Array[] = [];
    const manifest = { id: "a".repeat(64), v86Version: "0.5.462", memorySize: 128 << 20 };
    return { running: { manifest, restoreRaw: async (state: Uint8Array) => void restored.push(state) } as unknown as RunningMachine, restored };
  }

  it("restores the state as saved when nothing is damaged", async () => {
    const saved = await save(state(1));
    const { running, restored } = machine();
    await restoreSnapshot(running, saved.id, stores, async () => null);
    expect(restored).toHaveLength(1);
    expect(same(restored[0], state(1))).toBe(true);
  });

  for (const compacted of [false, true]) {
    it(`damaged in storage (its blocks ${compacted ? "compressed" : "raw"}) is refused, naming it, and the machine is not touched`, async () => {
      const saved = await save(state(1), { name: "lesson 2" });
      if (compacted) await compactBlocks(stores);
      // A block that still reads (decompresses), to other bytes: another block's stored form.
      const [a, b] = Object.keys(saved.blockBytes);
      const { get, set } = await import("idb-keyval");
      await set(a, await get(b, stores.blocks), stores.blocks);
      const { running, restored } = machine();
      const failure = await restoreSnapshot(running, saved.id, stores, async () => null).catch((e: unknown) => e);
      expect(errorCode(failure)).toBe("bad-snapshot");
      expect((failure as Error).message).toMatch(/"lesson 2" is damaged in storage/);
      expect(restored).toHaveLength(0);
    });
  }

  it("with a raw block cut short is refused", async () => {
    const saved = await save(state(1), { name: "cut" });
    const { get, set } = await import("idb-keyval");
    const hash = saved.rawBlocks![0];
    const block = await get<{ codec: "raw"; bytes: Uint8Array }>(hash, stores.blocks);
    await set(hash, { codec: "raw", bytes: block!.bytes.subarray(0, 1000).slice() }, stores.blocks);
    const { running, restored } = machine();
    await expect(restoreSnapshot(running, saved.id, stores, async () => null)).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/"cut" is damaged in storage \(a block holds 1000 bytes/),
    });
    expect(restored).toHaveLength(0);
  });

  it("read to start from (a resume), gives its blocks at once, and its check says when one is not what its name says", async () => {
    const { readStored } = await import("../../worker/snapshots");
    const identity = { imageId: "a".repeat(64), v86Version: "0.5.462", memorySize: 128 << 20 };
    const saved = await save(state(1), { name: "resumed" });
    const intact = await readStored(saved.id, identity, stores);
    expect(intact.blocks.size).toBe(3);
    expect(await intact.checked).toBeNull();
    // two blocks of one size (256 KiB), so that only the hash can tell them apart
    const { blockSizes } = await import("../../worker/state-blocks");
    const sizes = blockSizes(saved.layout);
    const [a, b] = Object.keys(saved.blockBytes).filter((h) => sizes.get(h) === 256 * 1024);
    const { get, set } = await import("idb-keyval");
    await set(a, await get(b, stores.blocks), stores.blocks);
    const damaged = await readStored(saved.id, identity, stores);
    expect(await damaged.checked).toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/"resumed" is damaged in storage \(a block is not what was stored/),
    });
  });

  it("read to resume, begins before the machine is known; is refused as a restore is: another image's first, then a block missing", async () => {
    const { readStoredEarly } = await import("../../worker/snapshots");
    const identity = { imageId: "a".repeat(64), v86Version: "0.5.462", memorySize: 128 << 20 };
    const saved = await save(state(1), { name: "early" });
    let blocksAsked!: () => void;
    const asked = new Promise<void>((resolve) => (blocksAsked = resolve));
    const watched: UseStore = (mode, callback) => (blocksAsked(), stores.blocks(mode, callback));
    const read = readStoredEarly(saved.id, { snapshots: stores.snapshots, blocks: watched });
    await asked; // (no machine given yet)
    const early = await read(identity);
    expect(early.blocks.size).toBe(3);
    expect(await early.checked).toBeNull();
    const { del } = await import("idb-keyval");
    const cut = async (over: Partial<SnapshotHeader>) => {
      const other = await save(state(2, 300 * 1024), over);
      await del(
        Object.keys(other.blockBytes).find((hash) => !(hash in saved.blockBytes))!,
        stores.blocks,
      );
      return other.id;
    };
    await expect(readStoredEarly(await cut({ imageId: "f".repeat(64) }), stores)(identity)).rejects.toMatchObject({
      code: "snapshot-mismatch",
      message: expect.stringMatching(/another Linux image.*kept/),
    });
    await expect(readStoredEarly(await cut({ name: "cut short" }), stores)(identity)).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/"cut short" is damaged: 1 of its 2 blocks are missing/),
    });
  });

  it("read to resume from its whole copy: the record alone, the blocks never asked for, and refused as a restore is", async () => {
    const { readStoredEarly } = await import("../../worker/snapshots");
    const identity = { imageId: "a".repeat(64), v86Version: "0.5.462", memorySize: 128 << 20 };
    const saved = await save(state(1), { name: "copied" });
    let asked = 0;
    const watched: UseStore = (mode, callback) => (asked++, stores.blocks(mode, callback));
    const read = readStoredEarly(saved.id, { snapshots: stores.snapshots, blocks: watched }, Promise.resolve(false));
    expect((await read.record(identity)).header.name).toBe("copied");
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toBe(0);
    // (wanted after all: the copy would not do, so the start reads the blocks)
    expect((await read(identity)).blocks.size).toBe(3);
    expect(asked).toBeGreaterThan(0);
    await expect(read.record({ ...identity, imageId: "f".repeat(64) })).rejects.toMatchObject({ code: "snapshot-mismatch" });
  });

  it("of another image is refused and kept", async () => {
    const saved = await save(state(1), { imageId: "f".repeat(64) });
    const { running, restored } = machine();
    await expect(restoreSnapshot(running, saved.id, stores, async () => null)).rejects.toMatchObject({
      code: "snapshot-mismatch",
      message: expect.stringMatching(/another Linux image.*kept/),
    });
    expect(restored).toHaveLength(0);
    expect((await store.listSnapshots(stores)).map((r) => r.id)).toEqual([saved.id]);
  });
});

describe("a snapshot whose new blocks patch the pre-booted state's", () => {
  const B1 = "1".repeat(64);
  const B2 = "2".repeat(64);
  const baseRaw = state(1);
  /** The base with one byte changed in the second 256 KiB block (its unit 9). */
  const changed = () => {
    const data = baseRaw.slice();
    data[256 * 1024 + 9 * 4096 + 7] ^= 0x5a;
    return data;
  };
  const identity = { imageId: "a".repeat(64), v86Version: "0.5.462", memorySize: 128 << 20 };
  const running = () => {
    const restored: Uint8Array[] = [];
    const manifest = { id: identity.imageId, v86Version: identity.v86Version, memorySize: identity.memorySize };
    return { running: { manifest, restoreRaw: async (s: Uint8Array) => void restored.push(s) } as unknown as RunningMachine, restored };
  };
  /** A loader that has the pre-booted states given, by sha256. */
  const bases =
    (...shas: string[]) =>
    async (sha256: string) =>
      shas.includes(sha256) ? { sha256, raw: baseRaw } : null;

  async function savePatched(data: Uint8Array, sha256 = B1, s = stores) {
    const { patcherFor } = await import("../../worker/block-patch");
    const base = await splitState(baseRaw);
    const { layout, blocks } = await splitState(data);
    return store.putSnapshot(
      {
        id: crypto.randomUUID(),
        header: header(),
        layout,
        blocks,
        base: { sha256, places: blockPlaces(base.layout) },
        patch: patcherFor({ sha256, raw: baseRaw }, layout),
      },
      s,
    );
  }
  const storedForm = async (hash: string) => (await import("idb-keyval")).get<StoredBlock>(hash, stores.blocks);

  it("stores the one changed page, restores the exact state from the base, and still does once its units are compressed", async () => {
    const saved = await savePatched(changed());
    const [hash] = Object.keys(saved.blockBytes);
    expect(Object.keys(saved.blockBytes)).toHaveLength(1);
    expect(saved.patched).toEqual([hash]);
    expect(saved.base?.sha256).toBe(B1);
    expect(saved.addedBytes).toBe(4096);
    expect(await storedForm(hash)).toMatchObject({ codec: "patch", state: B1, place: [0, 1], units: [9], deflated: false });
    const first = running();
    await restoreSnapshot(first.running, saved.id, stores, bases(B1));
    expect(same(first.restored[0], changed())).toBe(true);
    await compactBlocks(stores);
    expect(await storedForm(hash)).toMatchObject({ codec: "patch", deflated: true });
    expect((await store.getSnapshot(saved.id, stores)).blockBytes[hash]).toBeLessThan(4096);
    const second = running();
    await restoreSnapshot(second.running, saved.id, stores, bases(B1));
    expect(same(second.restored[0], changed())).toBe(true);
  });

  it("exports a file that stands alone: every block whole, restored in a lab without that base", async () => {
    const { exportSnapshot, importSnapshot } = await import("../../worker/snapshots");
    const saved = await savePatched(changed());
    const file = await exportSnapshot(saved.id, stores, bases(B1));
    const other = { snapshots: createStore(`s${++n}`, "snapshots"), blocks: createStore(`b${n}`, "blocks") };
    const imported = await importSnapshot(file, identity, other);
    const { running: machine, restored } = running();
    await restoreSnapshot(machine, imported.id, other, async () => null);
    expect(same(restored[0], changed())).toBe(true);
  });

  it("is refused, naming why, when the base it patches is not this lab's, or a patch is damaged; the machine is not touched", async () => {
    const saved = await savePatched(changed());
    const { running: machine, restored } = running();
    await expect(restoreSnapshot(machine, saved.id, stores, bases())).rejects.toMatchObject({
      code: "snapshot-mismatch",
      message: expect.stringMatching(/shares blocks with a pre-booted state this lab does not have/),
    });
    // its page replaced by other bytes of the same length: it still fits, and only the hash tells
    const [hash] = Object.keys(saved.blockBytes);
    const patch = (await storedForm(hash)) as Extract<StoredBlock, { codec: "patch" }>;
    const { set } = await import("idb-keyval");
    await set(hash, { ...patch, bytes: new Uint8Array(4096).fill(3) }, stores.blocks);
    await expect(restoreSnapshot(machine, saved.id, stores, bases(B1))).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/is damaged in storage \(a block is not what was stored/),
    });
    await set(hash, { ...patch, units: [9, 10] }, stores.blocks);
    await expect(restoreSnapshot(machine, saved.id, stores, bases(B1))).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/is damaged in storage \(a patch holds 4096 bytes, not 8192/),
    });
    expect(restored).toHaveLength(0);
  });

  it("read to resume: its check covers the blocks patches make", async () => {
    const { readStored, stateOf } = await import("../../worker/snapshots");
    const saved = await savePatched(changed());
    const [hash] = Object.keys(saved.blockBytes);
    const patch = (await storedForm(hash)) as Extract<StoredBlock, { codec: "patch" }>;
    const intact = await stateOf(await readStored(saved.id, identity, stores), bases(B1));
    expect(same(intact.state, changed())).toBe(true);
    expect(await intact.checked).toBeNull();
    const { set } = await import("idb-keyval");
    await set(hash, { ...patch, bytes: new Uint8Array(4096).fill(3) }, stores.blocks);
    const read = await readStored(saved.id, identity, stores);
    expect(await read.checked).toBeNull(); // (no whole block to check)
    expect(await (await stateOf(read, bases(B1))).checked).toMatchObject({ code: "bad-snapshot" });
  });

  it("when storage is too full for the patch raw, compresses its units and stores it so, nothing left raw", async () => {
    let refusals = 1;
    const tight: UseStore = (mode, callback) =>
      mode === "readwrite" && refusals-- > 0 ? Promise.reject(new DOMException("full", "QuotaExceededError")) : stores.blocks(mode, callback);
    const saved = await savePatched(changed(), B1, { snapshots: stores.snapshots, blocks: tight });
    expect(saved.rawBlocks).toBeUndefined();
    const [hash] = Object.keys(saved.blockBytes);
    expect(await storedForm(hash)).toMatchObject({ codec: "patch", units: [9], deflated: true });
    expect(saved.addedBytes).toBeLessThan(4096);
    const { running: machine, restored } = running();
    await restoreSnapshot(machine, saved.id, stores, bases(B1));
    expect(same(restored[0], changed())).toBe(true);
  });

  it("a block another base's snapshot stored as a patch is stored again whole: both snapshots restore", async () => {
    const first = await savePatched(changed(), B1);
    const second = await savePatched(changed(), B2);
    const [hash] = Object.keys(first.blockBytes);
    expect(Object.keys(second.blockBytes)).toEqual([hash]);
    expect(second.patched).toBeUndefined();
    expect(await storedForm(hash)).toMatchObject({ codec: "raw" });
    for (const [saved, sha] of [
      [first, B1],
      [second, B2],
    ] as const) {
      const { running: machine, restored } = running();
      await restoreSnapshot(machine, saved.id, stores, bases(sha));
      expect(same(restored[0], changed())).toBe(true);
    }
    // and a third on the same base as the second reuses the whole block
    const third = await savePatched(changed(), B2);
    expect(third.addedBytes).toBe(0);
  });
});
