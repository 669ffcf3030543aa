// Snapshots of the real machine, kept in the worker's storage (fake-indexeddb in Node): what a
// restore brings back, what a damaged or foreign file does, and checks caught by a restore.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./harness";
import { blockHash, compressBlock } from "../../worker/block-codec";
import { encodeSnapshotFile, type SnapshotHeader } from "../../worker/snapshot-format";
import type { StateLayout } from "../../worker/state-blocks";

const MAGIC_LENGTH = "CONTAINED-SNAPSHOT-2\n".length;

/** A snapshot file's index and blocks, to make altered copies of it. */
function readFile(file: Uint8Array) {
  const length = new DataView(file.buffer, file.byteOffset).getUint32(MAGIC_LENGTH, true);
  const index = JSON.parse(new TextDecoder().decode(file.subarray(MAGIC_LENGTH + 4, MAGIC_LENGTH + 4 + length))) as {
    header: SnapshotHeader;
    layout: StateLayout;
    blocks: Array<[string, number]>;
  };
  let at = MAGIC_LENGTH + 4 + length;
  const stored = index.blocks.map(([hash, size]): [string, Uint8Array] => [hash, file.subarray(at, (at += size))]);
  return { ...index, stored };
}

/** The guest's page cache (bytes), from /proc/meminfo. */
async function cachedBytes(api: Lab["vm"]["api"]): Promise<number> {
  return Number(/^Cached:\s+(\d+) kB/m.exec((await api.exec("cat /proc/meminfo")).stdout)?.[1]) * 1024;
}

describe("a machine whose caller saves it by itself (StartOptions.autosaves)", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab("state", { autosaves: true });
  });
  afterAll(() => lab.close());

  it("drops the page cache once the guest is idle after work that filled it, before any save", async () => {
    const api = lab.vm.api;
    await api.exec("cat /opt/rootfs/debian-bookworm-minbase.tar > /dev/null; echo written > /root/written.txt", { timeoutMs: 120_000 });
    const before = await cachedBytes(api);
    expect(before).toBeGreaterThan(24 << 20); // (not yet: the guest has just gone idle)
    let now = before;
    for (let waited = 0; waited < 20_000 && now > before - (16 << 20); waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      now = await cachedBytes(api);
    }
    expect(now).toBeLessThan(before - (16 << 20));
    const saved = await api.saveSnapshot({ name: "after the idle drop", kind: "named" });
    await api.snapshotsCompacted();
    expect((await api.listSnapshots()).find((s) => s.id === saved.id)!.addedBytes).toBeLessThan(4_000_000);
    expect((await api.exec("cat /root/written.txt")).stdout).toBe("written\n");
  });
});

describe("snapshots", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab("state");
  });
  afterAll(() => lab.close());

  const api = () => lab.vm.api;
  const pgrepSleep = async () => (await api().exec("pgrep -x sleep || echo none")).stdout.trim();
  /** What a save added to storage once the pass after it has compressed its blocks (a save writes them raw). */
  const addedCompressed = async (id: string) => {
    await api().snapshotsCompacted();
    return (await api().listSnapshots()).find((s) => s.id === id)!.addedBytes;
  };

  it("brings back the learner's files and running processes after a reset, with the lesson state and screens given", async () => {
    expect((await lab.run("main", "echo kept > /root/note.txt; sleep 1000 & echo started")).exitCode).toBe(0);
    const pid = await pgrepSleep();
    expect(pid).toMatch(/^\d+$/);
    const saved = await api().saveSnapshot({
      name: "with sleep",
      kind: "named",
      place: { lesson: "01-chroot", step: 2 },
      lessonState: { done: [1] },
      screens: { main: "root@contained:~# " },
    });
    expect(saved).toMatchObject({ name: "with sleep", matchesImage: true, place: { lesson: "01-chroot", step: 2 } });
    await api().reset();
    expect((await api().exec("cat /root/note.txt 2>&1")).exitCode).not.toBe(0);
    expect(await pgrepSleep()).toBe("none");
    const restored = await api().restoreSnapshot(saved.id);
    expect(restored).toMatchObject({ lessonState: { done: [1] }, screens: { main: "root@contained:~# " } });
    expect((await api().exec("cat /root/note.txt")).stdout).toBe("kept\n");
    expect(await pgrepSleep()).toBe(pid);
    // The learner's shell still answers, with the sleep as its job.
    expect((await lab.run("main", "jobs")).output).toMatch(/sleep 1000/);
  });

  it("stores what a booted lab changed as the pages that changed, not the whole blocks they are in", async () => {
    await api().reset();
    await api().exec("echo page > /root/page.txt");
    const saved = await api().saveSnapshot({ name: "booted", kind: "named" });
    // (written raw: whole 64 KiB blocks came to ~4.1 MB here, the pages in them that changed to ~0.9 MB)
    expect(saved.addedBytes).toBeLessThan(2_000_000);
    await api().reset();
    await api().restoreSnapshot(saved.id);
    expect((await api().exec("cat /root/page.txt")).stdout).toBe("page\n");
  });

  it("stores under 1 MB more for each further checkpoint after a small change", async () => {
    // As a learner's machine is saved: after each command. The first save after a restore also
    // stores what that save's own guest work (the page-cache drop) touched: ~1.0 MB measured,
    // against ~0.4 MB for each one after it, which is the figure the bound is for.
    await api().saveSnapshot({ name: "a", kind: "named" });
    await api().exec("echo 'one more line' >> /root/note.txt");
    const second = await api().saveSnapshot({ name: "b", kind: "named" });
    await api().exec("echo 'and another' >> /root/note.txt");
    const third = await api().saveSnapshot({ name: "c", kind: "named" });
    expect(second.addedBytes).toBeGreaterThan(0);
    expect(third.addedBytes).toBeGreaterThan(0);
    expect(await addedCompressed(third.id)).toBeLessThan(1_000_000);
    expect((await api().listSnapshots())[0].id).toBe(third.id);
  });

  it("drops the clean page cache before saving a machine that read a big file, keeping what was written", async () => {
    const cached = () => cachedBytes(api());
    await api().exec("cat /opt/rootfs/debian-bookworm-minbase.tar > /dev/null; echo written > /root/written.txt", { timeoutMs: 120_000 });
    const before = await cached();
    expect(before).toBeGreaterThan(24 << 20); // (the tar is in the page cache, clean)
    // Idle for longer than a machine that saves by itself waits to drop it (below): this one does not.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await cached()).toBeGreaterThan(before - (4 << 20));
    const saved = await api().saveSnapshot({ name: "after a big read", kind: "named" });
    expect(await cached()).toBeLessThan(before - (16 << 20));
    expect(await addedCompressed(saved.id)).toBeLessThan(4_000_000); // (the tar's pages are not in it)
    await api().reset();
    await api().restoreSnapshot(saved.id);
    expect((await api().exec("cat /root/written.txt")).stdout).toBe("written\n");
  });

  it("abandons a check under way when a snapshot is restored, at once, and answers the next one", async () => {
    const saved = (await api().listSnapshots()).find((s) => s.name === "with sleep")!;
    const check = api().exec("sleep 8; echo stale", { timeoutMs: 20_000 });
    const queued = api().exec("echo queued-before-restore");
    await new Promise<void>((resolve) => setImmediate(resolve)); // (both sent to the worker first)
    const t0 = Date.now();
    const restoring = api().restoreSnapshot(saved.id);
    await expect(check).rejects.toMatchObject({ code: "abandoned" });
    await expect(queued).rejects.toMatchObject({ code: "abandoned" });
    await restoring;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await api().exec("echo next")).stdout).toBe("next\n");
  });

  it("exports one file that imports again and restores the same machine", async () => {
    const saved = (await api().listSnapshots()).find((s) => s.name === "with sleep")!;
    const file = await api().exportSnapshot(saved.id);
    await api().deleteSnapshot(saved.id);
    expect((await api().listSnapshots()).some((s) => s.id === saved.id)).toBe(false);
    await api().reset();
    const imported = await api().importSnapshot(file);
    expect(imported).toMatchObject({ name: "with sleep", matchesImage: true });
    await api().restoreSnapshot(imported.id);
    expect((await api().exec("cat /root/note.txt")).stdout).toBe("kept\n");
    expect(await pgrepSleep()).toMatch(/^\d+$/);
  });

  it("refuses bad files with a typed error naming what is wrong, storing nothing", async () => {
    const [first] = await api().listSnapshots();
    const file = await api().exportSnapshot(first.id);
    const before = (await api().listSnapshots()).map((s) => s.id);
    await expect(api().importSnapshot(new TextEncoder().encode("hello, not a snapshot"))).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/not a Contained snapshot/),
    });
    await expect(api().importSnapshot(file.subarray(0, Math.floor(file.length / 2)))).rejects.toMatchObject({
      code: "bad-snapshot",
      message: expect.stringMatching(/truncated/),
    });
    const { header, layout, stored } = readFile(file);
    const otherImage = encodeSnapshotFile({ ...header, imageId: "0".repeat(64) }, layout, stored);
    await expect(api().importSnapshot(otherImage)).rejects.toMatchObject({ code: "snapshot-mismatch", message: expect.stringMatching(/another Linux image/) });
    const otherV86 = encodeSnapshotFile({ ...header, v86Version: "9.9.9" }, layout, stored);
    await expect(api().importSnapshot(otherV86)).rejects.toMatchObject({ code: "snapshot-mismatch", message: expect.stringMatching(/v86 9\.9\.9/) });
    expect((await api().listSnapshots()).map((s) => s.id)).toEqual(before);
    expect((await api().exec("echo ok")).stdout).toBe("ok\n");
  });

  it("starts straight from a snapshot (resume), and from the pre-booted state when that snapshot cannot be had", async () => {
    await api().exec("echo resumed > /root/resume.txt");
    const saved = await api().saveSnapshot({ name: "to resume", kind: "auto", screens: { main: "shown" } });
    const options = { imagesBase: lab.vm.imagesBase, wasmPath: lab.vm.wasmPath, from: "state" as const };
    const started = await api().start({ ...options, resume: saved.id });
    expect(started.resumed).toMatchObject({ summary: { id: saved.id }, screens: { main: "shown" } });
    expect(started.resumeError).toBeUndefined();
    expect((await api().exec("cat /root/resume.txt")).stdout).toBe("resumed\n");
    // The pre-booted state the resume was put together from is as it was: a reset gives the
    // pre-booted machine, and a save after the resume, which shares that state's blocks, restores.
    await api().exec("echo later > /root/later.txt");
    const later = await api().saveSnapshot({ name: "after the resume", kind: "named" });
    await api().reset();
    expect((await api().exec("cat /root/resume.txt 2>/dev/null || echo pre-booted")).stdout).toBe("pre-booted\n");
    await api().restoreSnapshot(later.id);
    expect((await api().exec("cat /root/resume.txt /root/later.txt")).stdout).toBe("resumed\nlater\n");
    const fresh = await api().start({ ...options, resume: "deleted-meanwhile" });
    expect(fresh.resumed).toBeUndefined();
    expect(fresh.resumeError).toMatchObject({ code: "no-such-snapshot" });
    expect((await api().exec("cat /root/resume.txt 2>/dev/null || echo fresh")).stdout).toBe("fresh\n");
  });

  it("rolls back to where it was when a snapshot's state is not one v86 can restore", async () => {
    await api().exec("echo before > /root/rollback.txt");
    const [first] = await api().listSnapshots();
    const { header } = readFile(await api().exportSnapshot(first.id));
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    const hash = await blockHash(garbage);
    const layout: StateLayout = { rawSize: garbage.length, parts: [{ kind: "bytes", length: garbage.length, blocks: [hash] }] };
    const imported = await api().importSnapshot(encodeSnapshotFile(header, layout, [[hash, await compressBlock(garbage)]]));
    await expect(api().restoreSnapshot(imported.id)).rejects.toMatchObject({ code: "bad-state", message: expect.stringMatching(/could not be restored/) });
    expect((await api().exec("cat /root/rollback.txt")).stdout).toBe("before\n");
    await expect(api().restoreSnapshot("no-such-id")).rejects.toMatchObject({ code: "no-such-snapshot" });
  });
});
