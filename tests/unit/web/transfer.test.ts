import { describe, expect, it, vi } from "vitest";
import type { ExecOptions } from "../../../worker/api";
import { FakeVm } from "../../../web/vm/fake-vm";
import {
  DOWNLOAD_CHUNK,
  DOWNLOAD_LIMIT,
  TransferError,
  UPLOAD_CHUNK,
  UPLOAD_LIMIT,
  downloadFile,
  formatBytes,
  shellQuote,
  uploadFile,
} from "../../../web/files/transfer";
import { FileTransfer } from "../../../web/state/transfer.svelte";

async function runningVm(files: Record<string, string | Uint8Array> = {}) {
  const vm = new FakeVm({ stepMs: 0, files });
  await vm.start({ imagesBase: "fake:", wasmPath: "fake:" });
  return vm;
}

function bytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31) & 0xff;
  return out;
}

const MiB = 1024 * 1024;

/** Byte arrays compared as buffers (toEqual walks megabytes element by element). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => !!a && Buffer.from(a).equals(Buffer.from(b));

describe("shellQuote", () => {
  it("keeps every character literal, single quotes included", () => {
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`);
  });
});

/** The fake machine as a transfer sees it, with every exec recorded (command and options). */
function recorded(vm: FakeVm) {
  const exec = vi.fn((command: string, options?: ExecOptions) => vm.exec(command, options));
  return { guest: Object.assign(Object.create(vm) as FakeVm, { exec }), exec };
}

const PARTIAL = /^'\/root\/\.contained-upload-[a-z0-9]+'$/;

describe("uploadFile", () => {
  it("puts the file in the shared folder, copies it out in chunks into a hidden file, and renames that at the end", async () => {
    const vm = await runningVm();
    const { guest, exec } = recorded(vm);
    const data = bytes(2 * UPLOAD_CHUNK + 100);
    const progress: number[] = [];
    const path = await uploadFile(guest, "data.bin", data, { onProgress: (done) => progress.push(done) });
    expect(path).toBe("/root/data.bin");
    const commands = exec.mock.calls.map(([command]) => command);
    const partial = /of=(\S+)/.exec(commands[0])![1];
    expect(partial).toMatch(PARTIAL);
    const blocks = UPLOAD_CHUNK / MiB;
    expect(commands).toEqual([
      ...[0, 1, 2].map((i) => {
        const copy = (direct: string) =>
          `dd if="$CONTAINED_SHARE/transfer-1" of=${partial} bs=${MiB} skip=${i * blocks} seek=${i * blocks} count=${blocks} conv=notrunc iflag=fullblock${direct} status=none`;
        return `${copy(" oflag=direct")} 2>/dev/null || ${copy("")}`;
      }),
      `mv -fT -- ${partial} '/root/data.bin'`,
    ]);
    expect(exec.mock.calls.map(([, options]) => options?.sharedFolder ?? false)).toEqual([true, true, true, false]);
    expect(same(vm.files.get("/root/data.bin"), data)).toBe(true);
    expect([...vm.files.keys()]).toEqual(["/root/data.bin"]);
    expect(vm.shared.size).toBe(0);
    expect(progress).toEqual([0, UPLOAD_CHUNK, 2 * UPLOAD_CHUNK, 2 * UPLOAD_CHUNK + 100]);
  });

  it("creates an empty file for an empty upload", async () => {
    const vm = await runningVm();
    await uploadFile(vm, "empty", new Uint8Array());
    expect(vm.files.get("/root/empty")).toEqual(new Uint8Array());
    expect(vm.shared.size).toBe(0);
  });

  it("quotes names with spaces and quotes", async () => {
    const vm = await runningVm();
    await uploadFile(vm, "my 'notes'.txt", new TextEncoder().encode("hi"));
    expect(vm.execLog.at(-1)).toMatch(/^mv -fT -- '\/root\/\.contained-upload-[a-z0-9]+' '\/root\/my '\\''notes'\\''\.txt'$/);
    expect(vm.files.has("/root/my 'notes'.txt")).toBe(true);
  });

  it("refuses a file over the limit before sending anything", async () => {
    const vm = await runningVm();
    const { guest, exec } = recorded(vm);
    await expect(uploadFile(guest, "big.iso", new Uint8Array(UPLOAD_LIMIT + 1))).rejects.toThrow(
      `big.iso is ${formatBytes(UPLOAD_LIMIT + 1)}; files up to ${formatBytes(UPLOAD_LIMIT)} can be uploaded`,
    );
    expect(exec).not.toHaveBeenCalled();
    expect(vm.shared.size).toBe(0);
  });

  it("refuses names that are not a plain file name", async () => {
    const vm = await runningVm();
    const { guest, exec } = recorded(vm);
    for (const name of ["", ".", "..", "a/b", "../etc/passwd"]) {
      await expect(uploadFile(guest, name, new Uint8Array(1))).rejects.toBeInstanceOf(TransferError);
    }
    expect(exec).not.toHaveBeenCalled();
  });

  it("stops at the first chunk the guest could not write, removes the part written and empties the shared folder", async () => {
    const vm = await runningVm();
    const { guest, exec } = recorded(vm);
    exec.mockImplementationOnce(async () => ({
      exitCode: 1,
      status: "ok" as const,
      stdout: "",
      stderr: "dd: error writing '/root/x': No space left on device\n",
      stdoutBytes: new Uint8Array(),
    }));
    await expect(uploadFile(guest, "x", bytes(3 * UPLOAD_CHUNK))).rejects.toThrow(
      "could not write /root/x: dd: error writing '/root/x': No space left on device",
    );
    expect(exec).toHaveBeenCalledTimes(2);
    expect(exec.mock.calls[1][0]).toMatch(/^rm -f -- '\/root\/\.contained-upload-[a-z0-9]+'$/);
    expect(vm.shared.size).toBe(0);
  });
});

describe("downloadFile", () => {
  it("checks the size, has the guest copy the file into the shared folder in chunks, then takes it from there", async () => {
    const data = bytes(DOWNLOAD_CHUNK + 10);
    const vm = await runningVm({ "/root/out.bin": data });
    const { guest, exec } = recorded(vm);
    const progress: number[] = [];
    const got = await downloadFile(guest, "out.bin", { onProgress: (done) => progress.push(done) });
    expect(same(got, data)).toBe(true);
    const blocks = DOWNLOAD_CHUNK / MiB;
    const copy = (at: number) =>
      `dd if='out.bin' of="$CONTAINED_SHARE/transfer-1" bs=${MiB} skip=${at} seek=${at} count=${blocks} conv=notrunc iflag=fullblock status=none`;
    expect(exec.mock.calls.map(([command]) => command)).toEqual(["stat -L -c %s:%F -- 'out.bin'", copy(0), `${copy(blocks)} && stat -L -c %s -- 'out.bin'`]);
    expect(progress).toEqual([0, DOWNLOAD_CHUNK, DOWNLOAD_CHUNK + 10]);
    expect(vm.shared.size).toBe(0);
  });

  it("says clearly when the file is missing, a directory, or too large", async () => {
    const vm = await runningVm({ "/root/dir/file": "x", "/root/huge": new Uint8Array(DOWNLOAD_LIMIT + 1) });
    await expect(downloadFile(vm, "/nope")).rejects.toThrow("could not find /nope: stat: cannot statx '/nope': No such file or directory");
    await expect(downloadFile(vm, "/root/dir")).rejects.toThrow("/root/dir is a directory, not a file");
    await expect(downloadFile(vm, "/root/huge")).rejects.toThrow(
      `/root/huge is ${formatBytes(DOWNLOAD_LIMIT + 1)}; files up to ${formatBytes(DOWNLOAD_LIMIT)} can be downloaded`,
    );
    expect(vm.execLog.some((c) => c.startsWith("dd"))).toBe(false);
    expect(vm.shared.size).toBe(0);
  });

  it("fails on a file that changed size while it was read, and empties the shared folder", async () => {
    const vm = await runningVm({ "/root/log": bytes(DOWNLOAD_CHUNK + 10) });
    const { guest, exec } = recorded(vm);
    exec.mockImplementationOnce((command, options) => vm.exec(command, options)); // the stat
    exec.mockImplementationOnce(async (command, options) => {
      vm.files.set("/root/log", bytes(DOWNLOAD_CHUNK + 20)); // it grows while the first chunk is read
      return vm.exec(command, options);
    });
    await expect(downloadFile(guest, "/root/log")).rejects.toThrow("/root/log changed size while it was being downloaded");
    expect(vm.shared.size).toBe(0);
  });
});

describe("FileTransfer", () => {
  it("shows progress while uploading and a message at the end", async () => {
    const vm = await runningVm();
    const transfer = new FileTransfer(vm);
    const data = bytes(UPLOAD_CHUNK + 1);
    const seen: number[] = [];
    const file = {
      name: "a.bin",
      size: data.length,
      arrayBuffer: async () => {
        queueMicrotask(() => seen.push(transfer.percent));
        return data.buffer as ArrayBuffer;
      },
    };
    await transfer.upload([file]);
    expect(transfer.current).toBeNull();
    expect(transfer.message).toEqual({ kind: "done", text: "Uploaded /root/a.bin" });
    expect(seen).toEqual([0]);
    expect(same(vm.files.get("/root/a.bin"), data)).toBe(true);
  });

  it("refuses a file over the limit without reading it", async () => {
    const vm = await runningVm();
    const transfer = new FileTransfer(vm);
    const arrayBuffer = vi.fn();
    await transfer.upload([{ name: "disk.img", size: UPLOAD_LIMIT + 1024 * 1024, arrayBuffer }]);
    expect(arrayBuffer).not.toHaveBeenCalled();
    expect(transfer.message).toEqual({
      kind: "error",
      text: `disk.img is ${formatBytes(UPLOAD_LIMIT + 1024 * 1024)}; files up to ${formatBytes(UPLOAD_LIMIT)} can be uploaded`,
    });
    expect(vm.execLog).toEqual([]);
  });

  it("turns a failed download into an error message and no file", async () => {
    const vm = await runningVm();
    const transfer = new FileTransfer(vm);
    expect(await transfer.download("/root/missing")).toBeNull();
    expect(transfer.message?.kind).toBe("error");
    expect(transfer.message?.text).toContain("could not find /root/missing");
  });

  it("downloads a file by name", async () => {
    const vm = await runningVm({ "/root/hello.txt": "hello\n" });
    const transfer = new FileTransfer(vm);
    const file = await transfer.download(" /root/hello.txt ");
    expect(file?.name).toBe("hello.txt");
    expect(new TextDecoder().decode(file?.bytes)).toBe("hello\n");
    expect(transfer.message).toEqual({ kind: "done", text: "Downloaded /root/hello.txt (6 B)" });
  });

  it("cancels an upload between chunks, removes the part written and empties the shared folder", async () => {
    const vm = await runningVm({ "/root/big.bin": "the file as it was" });
    const data = bytes(3 * UPLOAD_CHUNK);
    const { guest, exec } = recorded(vm);
    const cancelling = new FileTransfer(guest);
    exec.mockImplementationOnce(async (command, options) => {
      const result = await vm.exec(command, options);
      cancelling.cancel();
      return result;
    });
    await cancelling.upload([{ name: "big.bin", size: data.length, arrayBuffer: async () => data.buffer as ArrayBuffer }]);
    expect(cancelling.message).toEqual({ kind: "done", text: "Cancelled upload of big.bin" });
    expect(vm.execLog.filter((c) => c.startsWith("dd"))).toHaveLength(1);
    expect(vm.execLog.at(-1)).toMatch(/^rm -f -- '\/root\/\.contained-upload-[a-z0-9]+'$/);
    expect([...vm.files.keys()]).toEqual(["/root/big.bin"]);
    expect(new TextDecoder().decode(vm.files.get("/root/big.bin"))).toBe("the file as it was");
    expect(vm.shared.size).toBe(0);
    expect(cancelling.current).toBeNull();
  });

  it("cancels a download between chunks and empties the shared folder", async () => {
    const vm = await runningVm({ "/root/out.bin": bytes(2 * DOWNLOAD_CHUNK) });
    const { guest, exec } = recorded(vm);
    const cancelling = new FileTransfer(guest);
    exec.mockImplementation(async (command, options) => {
      const result = await vm.exec(command, options);
      if (command.startsWith("dd")) cancelling.cancel();
      return result;
    });
    expect(await cancelling.download("/root/out.bin")).toBeNull();
    expect(cancelling.message).toEqual({ kind: "done", text: "Cancelled download of /root/out.bin" });
    expect(vm.execLog.filter((c) => c.startsWith("dd"))).toHaveLength(1);
    expect(vm.shared.size).toBe(0);
  });
});
