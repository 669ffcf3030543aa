// The guest's I/O on the real VM: a flood from the learner's shell arrives whole even when the
// UI draws slowly (the machine holds output and pauses), and a large file goes in and comes
// back out of the guest unchanged (through the shared folder), a cancelled upload leaves nothing
// behind, and a file over the limits is refused.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VmEvent } from "../../worker/api";
import { startNodeVm, type NodeVm } from "../../worker/node-client";
import { DOWNLOAD_LIMIT, TransferCancelled, UPLOAD_LIMIT, downloadFile, formatBytes, uploadFile } from "../../web/files/transfer";
import { PROMPT, TerminalLog } from "./harness";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("guest I/O", () => {
  let vm: NodeVm;
  const main = new TerminalLog();
  /** A UI that draws slowly: it says what it drew a little later, a chunk at a time. */
  let drawnLater = 0;
  let closed = false;

  beforeAll(async () => {
    vm = startNodeVm();
    await vm.listen((event: VmEvent) => {
      if (event.type !== "output" || event.terminal !== "main") return;
      main.push(event.data);
      const bytes = event.data.length;
      setTimeout(() => {
        if (closed) return;
        drawnLater += bytes;
        void vm.api.outputDrawn("main", bytes);
      }, 20);
    });
    await vm.api.start({ imagesBase: vm.imagesBase, wasmPath: vm.wasmPath, from: "state", pacedOutput: true });
    await main.waitFor(PROMPT);
  });
  afterAll(async () => {
    closed = true;
    await vm.api.stop().catch(() => undefined);
    await vm.close();
  });

  it("a flood's every byte reaches the UI side, the count the guest wrote, however slowly the UI draws", async () => {
    const n = 17 * 60_000; // 1 MB of 17-byte lines
    const from = main.text.length;
    // tee's copy goes to the terminal, and wc -c says how many bytes the guest wrote.
    await vm.api.write("main", `yes 0123456789abcdef | head -c ${n} | tee /dev/tty | wc -c; echo flood''-done\n`);
    const out = await main.waitFor("flood-done\r\n", 120_000, from);
    const lines = out
      .slice(out.indexOf("\n") + 1) // after the echoed command
      .replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "") // bash's bracketed-paste switch
      .replace(/\r/g, "")
      .split("\n");
    const flood = lines.slice(0, n / 17);
    expect(flood.filter((line) => line !== "0123456789abcdef").slice(0, 3)).toEqual([]);
    expect(lines[n / 17]).toBe(String(n));
    expect(drawnLater).toBeGreaterThan(0);
  });

  it("a 32 MiB file uploaded into the guest downloads back with the same sha256", async () => {
    const data = new Uint8Array(randomBytes(32 << 20));
    const progress: number[] = [];
    const path = await uploadFile(vm.api, "round-trip.bin", data, { onProgress: (done) => progress.push(done) });
    expect(progress.at(-1)).toBe(data.length);
    expect(progress.length).toBeGreaterThan(2); // (it moved during the upload, not only at the end)
    const guest = await vm.api.exec(`sha256sum ${path}`, { timeoutMs: 60_000 });
    expect(guest.stdout.split(" ")[0]).toBe(sha256(data));
    const back = await downloadFile(vm.api, path);
    expect(sha256(back)).toBe(sha256(data));
    await vm.api.exec(`rm -f ${path}`);
  }, 300_000);

  it("an upload passes the page cache by, keeps a last partial block, and still works where direct I/O is refused", async () => {
    const cached = async () => Number(/^Cached:\s+(\d+) kB$/m.exec((await vm.api.exec("sync; cat /proc/meminfo")).stdout)?.[1]) * 1024;
    // 9 MiB and 12345 bytes: two chunks, the last with a partial block of dd's
    const data = new Uint8Array(randomBytes(9 * (1 << 20) + 12345));
    const before = await cached();
    const path = await uploadFile(vm.api, "odd.bin", data);
    // (through the page cache, it grows by the whole file)
    expect((await cached()) - before).toBeLessThan(data.length / 2);
    expect(sha256(await downloadFile(vm.api, path))).toBe(sha256(data));
    expect((await vm.api.exec(`sha256sum ${path}`, { timeoutMs: 60_000 })).stdout.split(" ")[0]).toBe(sha256(data));
    // a tmpfs over /root refuses O_DIRECT (Linux 6.1): the chunks go through the page cache instead
    expect((await vm.api.exec("mount -t tmpfs -o size=16m over-root /root")).exitCode).toBe(0);
    try {
      const small = data.subarray(0, 3 * (1 << 20) + 7);
      await uploadFile(vm.api, "on-tmpfs.bin", small);
      const onTmpfs = await vm.api.exec("stat -f -c %T /root/on-tmpfs.bin && sha256sum /root/on-tmpfs.bin");
      expect(onTmpfs.stdout).toBe(`tmpfs\n${sha256(small)}  /root/on-tmpfs.bin\n`);
      expect(sha256(await downloadFile(vm.api, "/root/on-tmpfs.bin"))).toBe(sha256(small));
    } finally {
      expect(await vm.api.exec("cd / && umount /root && grep -c over-root /proc/mounts")).toMatchObject({ stdout: "0\n" });
    }
    await vm.api.exec(`rm -f ${path}`);
  }, 120_000);

  it("a file the guest made downloads with the sha256 the guest computes, and the shared folder is empty after", async () => {
    const made = await vm.api.exec("head -c 9437283 /dev/urandom > /root/made.bin && sha256sum /root/made.bin", { timeoutMs: 60_000 });
    expect(made.exitCode).toBe(0);
    const back = await downloadFile(vm.api, "/root/made.bin");
    expect(back.length).toBe(9437283);
    expect(sha256(back)).toBe(made.stdout.split(" ")[0]);
    const folder = await vm.api.exec('ls -A "$CONTAINED_SHARE"', { sharedFolder: true });
    expect(folder).toMatchObject({ exitCode: 0, stdout: "" });
    await vm.api.exec("rm -f /root/made.bin");
  }, 120_000);

  it("the shared folder is mounted only for the commands that ask for it", async () => {
    // (with / shared, as a learner may make it: the mount must still not propagate back)
    expect((await vm.api.exec("mount --make-rshared /")).exitCode).toBe(0);
    const inside = await vm.api.exec("grep -c ' 9p ' /proc/self/mounts", { sharedFolder: true });
    expect(inside.stdout.trim()).toBe("1");
    const outside = await vm.api.exec("grep -c ' 9p ' /proc/self/mounts; grep -c ' 9p ' /proc/1/mounts; mount --make-rprivate /");
    expect(outside.stdout.trim()).toBe("0\n0");
    await main.waitFor(PROMPT);
    const from = main.text.length;
    await vm.api.write("main", "grep -c ' 9p ' /proc/mounts; echo mounts''-done\n");
    expect(await main.waitFor("mounts-done\r\n", 30_000, from)).toMatch(/^0\r$/m);
  });

  it("a cancelled upload leaves no file at its destination, nor a part of one, nor anything in the shared folder", async () => {
    await vm.api.exec("printf before > /root/kept.bin");
    const data = new Uint8Array(randomBytes(24 << 20));
    const abort = new AbortController();
    const upload = uploadFile(vm.api, "kept.bin", data, { signal: abort.signal, onProgress: (done) => done > 0 && abort.abort() });
    await expect(upload).rejects.toBeInstanceOf(TransferCancelled);
    const left = await vm.api.exec("cat /root/kept.bin; echo; ls -A /root | grep -c contained-upload");
    expect(left.stdout).toBe("before\n0\n");
    const folder = await vm.api.exec('ls -A "$CONTAINED_SHARE"', { sharedFolder: true });
    expect(folder).toMatchObject({ exitCode: 0, stdout: "" });
    await vm.api.exec("rm -f /root/kept.bin");
  }, 120_000);

  it("a snapshot asked for during an upload is taken after it, with nothing of it left in the shared folder", async () => {
    const data = new Uint8Array(randomBytes(16 << 20));
    let saving: ReturnType<typeof vm.api.saveSnapshot> | undefined;
    const path = await uploadFile(vm.api, "during-save.bin", data, {
      onProgress: (done) => {
        if (done > 0 && !saving) saving = vm.api.saveSnapshot({ name: "during an upload", kind: "named" });
      },
    });
    expect(saving).toBeDefined();
    const saved = await saving!;
    await vm.api.exec(`rm -f ${path}`);
    await vm.api.restoreSnapshot(saved.id);
    // The whole file, and no part of one: the state was taken once the upload was done.
    const after = await vm.api.exec(`sha256sum ${path}; ls -A /root | grep -c contained-upload`, { timeoutMs: 60_000 });
    expect(after.stdout).toBe(`${sha256(data)}  ${path}\n0\n`);
    const folder = await vm.api.exec('ls -A "$CONTAINED_SHARE"', { sharedFolder: true });
    expect(folder).toMatchObject({ exitCode: 0, stdout: "" });
    await vm.api.exec(`rm -f ${path}`);
    await vm.api.deleteSnapshot(saved.id);
  }, 300_000);

  it("refuses an upload or a download over its limit, saying the limit", async () => {
    await expect(uploadFile(vm.api, "huge.bin", new Uint8Array(UPLOAD_LIMIT + 1))).rejects.toThrow(
      `huge.bin is ${formatBytes(UPLOAD_LIMIT + 1)}; files up to ${formatBytes(UPLOAD_LIMIT)} can be uploaded`,
    );
    expect((await vm.api.exec("test -e /root/huge.bin")).exitCode).toBe(1);
    // (sparse: the guest's disk has nowhere near the room for it)
    await vm.api.exec(`truncate -s ${DOWNLOAD_LIMIT + 1} /root/sparse.bin`);
    await expect(downloadFile(vm.api, "/root/sparse.bin")).rejects.toThrow(
      `/root/sparse.bin is ${formatBytes(DOWNLOAD_LIMIT + 1)}; files up to ${formatBytes(DOWNLOAD_LIMIT)} can be downloaded`,
    );
    await vm.api.exec("rm -f /root/sparse.bin");
  });
});
