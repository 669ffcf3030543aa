// Moving files between the host and the guest over the control channel (never a terminal):
// uploads are written in chunks with `cat >` then `cat >>`, downloads read in chunks with `dd`.
import type { ExecOptions, ExecResult } from "../../worker/api";

export type Exec = (command: string, options?: ExecOptions) => Promise<ExecResult>;
export type TransferProgress = (done: number, total: number) => void;

const MiB = 1024 * 1024;
// Measured with the real VM in Node (scripts/bench-io.ts), the control channel on a virtio
// console port: uploads go at about 1.5 MB/s (the guest's tty takes ~100 instructions per byte
// of base64 in), downloads at 4-8 MB/s. On a UART they went at 65 KiB/s and 480 KiB/s, with
// limits of 8 and 32 MiB. The limits keep a transfer to well under a minute; an upload's also
// leaves room on the guest's disk (76 MiB free in a fresh image).
export const UPLOAD_LIMIT = 48 * MiB;
export const DOWNLOAD_LIMIT = 128 * MiB;
/** Bytes of stdin per exec: one request line carries them in base64. */
export const UPLOAD_CHUNK = 1 * MiB;
export const DOWNLOAD_CHUNK = 1 * MiB;
export const UPLOAD_DIRECTORY = "/root";
const CHUNK_TIMEOUT_MS = 30_000;

export class TransferError extends Error {}

/** The learner cancelled the transfer. */
export class TransferCancelled extends TransferError {
  constructor() {
    super("cancelled");
  }
}

export interface TransferOptions {
  onProgress?: TransferProgress;
  /** Stops the transfer between chunks (an upload's partial file is removed). */
  signal?: AbortSignal;
}

/** Quotes a word for sh: everything is literal inside single quotes, except ' itself. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** Where an uploaded file lands in the guest; refuses names that are not a plain file name. */
export function uploadPath(name: string): string {
  if (!name || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new TransferError(`"${name}" cannot be used as a file name in Linux`);
  }
  if (new TextEncoder().encode(name).length > 255) throw new TransferError("the file name is longer than Linux allows (255 bytes)");
  return `${UPLOAD_DIRECTORY}/${name}`;
}

function failure(action: string, result: ExecResult): TransferError {
  const reason = result.status === "timeout" ? "the guest took too long" : result.stderr.trim() || `exit status ${result.exitCode}`;
  return new TransferError(`${action}: ${reason}`);
}

/** Refuses a file over the upload limit (before anyone reads it into memory). */
export function checkUploadSize(name: string, size: number): void {
  if (size > UPLOAD_LIMIT) throw new TransferError(`${name} is ${formatBytes(size)}; files up to ${formatBytes(UPLOAD_LIMIT)} can be uploaded`);
}

/** Writes `bytes` to /root/<name> in the guest. Returns the guest path. */
export async function uploadFile(exec: Exec, name: string, bytes: Uint8Array, { onProgress = () => {}, signal }: TransferOptions = {}): Promise<string> {
  const path = uploadPath(name);
  checkUploadSize(name, bytes.length);
  const target = shellQuote(path);
  let offset = 0;
  onProgress(0, bytes.length);
  do {
    if (signal?.aborted) {
      if (offset > 0) await exec(`rm -f -- ${target}`).catch(() => undefined);
      throw new TransferCancelled();
    }
    const chunk = bytes.subarray(offset, offset + UPLOAD_CHUNK);
    const command = `cat ${offset === 0 ? ">" : ">>"} ${target}`;
    const result = await exec(command, { stdin: chunk, timeoutMs: CHUNK_TIMEOUT_MS });
    if (result.exitCode !== 0 || result.status !== "ok") throw failure(`could not write ${path}`, result);
    offset += chunk.length;
    onProgress(offset, bytes.length);
  } while (offset < bytes.length);
  return path;
}

/** The size of a regular file in the guest; an error for anything else. */
export async function guestFileSize(exec: Exec, path: string): Promise<number> {
  const result = await exec(`stat -L -c %s:%F -- ${shellQuote(path)}`);
  if (result.exitCode !== 0) throw failure(`could not find ${path}`, result);
  const [size, kind] = result.stdout.trim().split(/:(.*)/);
  if (kind !== "regular file" && kind !== "regular empty file") throw new TransferError(`${path} is a ${kind}, not a file`);
  return Number(size);
}

/** Reads a file from the guest. */
export async function downloadFile(exec: Exec, path: string, { onProgress = () => {}, signal }: TransferOptions = {}): Promise<Uint8Array> {
  if (!path.trim()) throw new TransferError("name a file in the guest to download");
  const size = await guestFileSize(exec, path);
  if (size > DOWNLOAD_LIMIT) {
    throw new TransferError(`${path} is ${formatBytes(size)}; files up to ${formatBytes(DOWNLOAD_LIMIT)} can be downloaded`);
  }
  const data = new Uint8Array(size);
  const source = shellQuote(path);
  onProgress(0, size);
  for (let block = 0; block * DOWNLOAD_CHUNK < size; block++) {
    if (signal?.aborted) throw new TransferCancelled();
    const result = await exec(`dd if=${source} bs=${DOWNLOAD_CHUNK} skip=${block} count=1 status=none`, { timeoutMs: CHUNK_TIMEOUT_MS });
    if (result.exitCode !== 0 || result.status !== "ok") throw failure(`could not read ${path}`, result);
    const offset = block * DOWNLOAD_CHUNK;
    if (offset + result.stdoutBytes.length > size) throw new TransferError(`${path} grew while it was being downloaded`);
    data.set(result.stdoutBytes, offset);
    onProgress(offset + result.stdoutBytes.length, size);
    if (result.stdoutBytes.length < Math.min(DOWNLOAD_CHUNK, size - offset)) throw new TransferError(`${path} shrank while it was being downloaded`);
  }
  return data;
}

/** The last part of a guest path: the name a downloaded file gets on the host. */
export function baseName(path: string): string {
  return path.replace(/\/+$/, "").split("/").pop() || "download";
}
