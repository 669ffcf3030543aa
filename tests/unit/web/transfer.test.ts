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

/** Byte arrays compared as buffers (toEqual walks megabytes element by element). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => !!a && Buffer.from(a).equals(Buffer.from(b));

describe("shellQuote", () => {
  it("keeps every character literal, single quotes included", () => {
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`);
  });
});

describe("uploadFile", () => {
  it("writes the first chunk with cat > and appends the rest with cat >>", async () => {
    const vm = await runningVm();
    const exec = vi.fn((command: string, options?: ExecOptions) => vm.exec(command, options));
    const data = bytes(2 * UPLOAD_CHUNK + 100);
    const progress: number[] = [];
    const path = await uploadFile(exec, "data.bin", data, { onProgress: (done) => progress.push(done) });
    expect(path).toBe("/root/data.bin");
    expect(exec.mock.calls.map(([command]) => command)).toEqual(["cat > '/root/data.bin'", "cat >> '/root/data.bin'", "cat >> '/root/data.bin'"]);
    expect(exec.mock.calls.map(([, options]) => options?.stdin?.length)).toEqual([UPLOAD_CHUNK, UPLOAD_CHUNK, 100]);
    expect(same(vm.files.get("/root/data.bin"), data)).toBe(true);
    expect(progress).toEqual([0, UPLOAD_CHUNK, 2 * UPLOAD_CHUNK, 2 * UPLOAD_CHUNK + 100]);
  });

  it("creates an empty file for an empty upload", async () => {
    const vm = await runningVm();
    await uploadFile(vm.exec.bind(vm), "empty", new Uint8Array());
    expect(vm.execLog).toEqual(["cat > '/root/empty'"]);
    expect(vm.files.get("/root/empty")).toEqual(new Uint8Array());
  });

  it("quotes names with spaces and quotes", async () => {
    const vm = await runningVm();
    await uploadFile(vm.exec.bind(vm), "my 'notes'.txt", new TextEncoder().encode("hi"));
    expect(vm.execLog).toEqual([`cat > '/root/my '\\''notes'\\''.txt'`]);
    expect(vm.files.has("/root/my 'notes'.txt")).toBe(true);
  });

  it("refuses a file over the limit before sending anything", async () => {
    const exec = vi.fn();
    await expect(uploadFile(exec, "big.iso", new Uint8Array(UPLOAD_LIMIT + 1))).rejects.toThrow(
      `big.iso is ${formatBytes(UPLOAD_LIMIT + 1)}; files up to ${formatBytes(UPLOAD_LIMIT)} can be uploaded`,
    );
    expect(exec).not.toHaveBeenCalled();
  });

  it("refuses names that are not a plain file name", async () => {
    const exec = vi.fn();
    for (const name of ["", ".", "..", "a/b", "../etc/passwd"]) {
      await expect(uploadFile(exec, name, new Uint8Array(1))).rejects.toBeInstanceOf(TransferError);
    }
    expect(exec).not.toHaveBeenCalled();
  });

  it("stops at the first chunk the guest could not write", async () => {
    const exec = vi.fn(async () => ({
      exitCode: 1,
      status: "ok" as const,
      stdout: "",
      stderr: "cat: /root/x: No space left on device\n",
      stdoutBytes: new Uint8Array(),
    }));
    await expect(uploadFile(exec, "x", bytes(3 * UPLOAD_CHUNK))).rejects.toThrow("could not write /root/x: cat: /root/x: No space left on device");
    expect(exec).toHaveBeenCalledTimes(1);
  });
});

describe("downloadFile", () => {
  it("checks the size, then reads the file in chunks", async () => {
    const data = bytes(DOWNLOAD_CHUNK + 10);
    const vm = await runningVm({ "/root/out.bin": data });
    const progress: number[] = [];
    const got = await downloadFile(vm.exec.bind(vm), "out.bin", { onProgress: (done) => progress.push(done) });
    expect(same(got, data)).toBe(true);
    expect(vm.execLog[0]).toBe("stat -L -c %s:%F -- 'out.bin'");
    expect(vm.execLog.slice(1)).toEqual([
      `dd if='out.bin' bs=${DOWNLOAD_CHUNK} skip=0 count=1 status=none`,
      `dd if='out.bin' bs=${DOWNLOAD_CHUNK} skip=1 count=1 status=none`,
    ]);
    expect(progress).toEqual([0, DOWNLOAD_CHUNK, DOWNLOAD_CHUNK + 10]);
  });

  it("says clearly when the file is missing, a directory, or too large", async () => {
    const vm = await runningVm({ "/root/dir/file": "x", "/root/huge": new Uint8Array(DOWNLOAD_LIMIT + 1) });
    const exec = vm.exec.bind(vm);
    await expect(downloadFile(exec, "/nope")).rejects.toThrow("could not find /nope: stat: cannot statx '/nope': No such file or directory");
    await expect(downloadFile(exec, "/root/dir")).rejects.toThrow("/root/dir is a directory, not a file");
    await expect(downloadFile(exec, "/root/huge")).rejects.toThrow(
      `/root/huge is ${formatBytes(DOWNLOAD_LIMIT + 1)}; files up to ${formatBytes(DOWNLOAD_LIMIT)} can be downloaded`,
    );
    expect(vm.execLog.some((c) => c.startsWith("dd"))).toBe(false);
  });
});

describe("FileTransfer", () => {
  it("shows progress while uploading and a message at the end", async () => {
    const vm = await runningVm();
    const transfer = new FileTransfer(vm.exec.bind(vm));
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
    const transfer = new FileTransfer(vm.exec.bind(vm));
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
    const transfer = new FileTransfer(vm.exec.bind(vm));
    expect(await transfer.download("/root/missing")).toBeNull();
    expect(transfer.message?.kind).toBe("error");
    expect(transfer.message?.text).toContain("could not find /root/missing");
  });

  it("downloads a file by name", async () => {
    const vm = await runningVm({ "/root/hello.txt": "hello\n" });
    const transfer = new FileTransfer(vm.exec.bind(vm));
    const file = await transfer.download(" /root/hello.txt ");
    expect(file?.name).toBe("hello.txt");
    expect(new TextDecoder().decode(file?.bytes)).toBe("hello\n");
    expect(transfer.message).toEqual({ kind: "done", text: "Downloaded /root/hello.txt (6 B)" });
  });

  it("cancels an upload between chunks and removes the part written", async () => {
    const vm = await runningVm();
    const transfer = new FileTransfer(vm.exec.bind(vm));
    const data = bytes(3 * UPLOAD_CHUNK);
    const exec = vm.exec.bind(vm);
    let chunks = 0;
    const cancelling = new FileTransfer(async (command, options) => {
      const result = await exec(command, options);
      if (command.startsWith("cat") && ++chunks === 1) cancelling.cancel();
      return result;
    });
    await cancelling.upload([{ name: "big.bin", size: data.length, arrayBuffer: async () => data.buffer as ArrayBuffer }]);
    expect(cancelling.message).toEqual({ kind: "done", text: "Cancelled upload of big.bin" });
    expect(vm.execLog.filter((c) => c.startsWith("cat"))).toHaveLength(1);
    expect(vm.execLog.at(-1)).toBe("rm -f -- '/root/big.bin'");
    expect(transfer.current).toBeNull();
  });

  it("cancels a download between chunks", async () => {
    const vm = await runningVm({ "/root/out.bin": bytes(2 * DOWNLOAD_CHUNK) });
    const exec = vm.exec.bind(vm);
    const cancelling = new FileTransfer(async (command, options) => {
      const result = await exec(command, options);
      if (command.startsWith("dd")) cancelling.cancel();
      return result;
    });
    expect(await cancelling.download("/root/out.bin")).toBeNull();
    expect(cancelling.message).toEqual({ kind: "done", text: "Cancelled download of /root/out.bin" });
    expect(vm.execLog.filter((c) => c.startsWith("dd"))).toHaveLength(1);
  });
});
