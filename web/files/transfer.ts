// Moving files between the host and the guest (never through a terminal). The bytes go through
// the folder the machine shares with the guest (v86's virtio-9p: see worker/shared-folder.ts);
// commands on the control channel copy them in chunks, with `dd`, between it and the guest's
// file, so a transfer shows progress and can be cancelled between chunks.
import type { ExecOptions, ExecResult, VmApi } from "../../worker/api";

export type Exec = (command: string, options?: ExecOptions) => Promise<ExecResult>;
/** What a transfer needs of the machine. */
export type TransferGuest = Pick<VmApi, "exec" | "shareFile" | "reserveSharedFile" | "takeSharedFile" | "removeSharedFile">;
export type TransferProgress = (done: number, total: number) => void;

const MiB = 1024 * 1024;
// Measured with the real VM (scripts/bench-io.ts): through the shared folder, 32 MiB go up in
// 6.1-6.6 s in Chromium on a quiet host (9.2-11.7 s through the page cache; see
// uploadChunkCommand), at under 1 guest instruction per byte, and down in 3.2-6.6 s at 1 per
// byte. Over the control channel's base64 they took 14-102 s up (101 per byte) and 9-33 s down
// (16 per byte), on a loaded host. Uploads stop at 64 MiB: a fresh image has 76 MiB free on its
// disk. Downloads at 128 MiB, more than any file the guest can hold but a sparse one (its disk
// and its tmpfs mounts are smaller). A transfer holds the file in the worker's 9p filesystem
// and in the page (handed over between the two, not copied); a download passes through the
// guest's page cache.
export const UPLOAD_LIMIT = 64 * MiB;
export const DOWNLOAD_LIMIT = 128 * MiB;
/** Bytes copied by one command: progress moves, and a cancel acts, this often. */
export const UPLOAD_CHUNK = 8 * MiB;
export const DOWNLOAD_CHUNK = 8 * MiB;
/** dd's block size: chunks and offsets are whole blocks of it. */
const BLOCK = MiB;
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

/** Where a chunk's dd starts and how much it copies, in BLOCKs. */
function chunkBlocks(offset: number, chunk: number): string {
  return `bs=${BLOCK} skip=${offset / BLOCK} seek=${offset / BLOCK} count=${chunk / BLOCK}`;
}

/**
 * The command that copies one chunk of the shared file `shared` into the guest's file `partial`.
 * It writes with O_DIRECT (`dd oflag=direct`): the guest's disk takes the bytes straight from dd's
 * buffer, with no copy into the page cache and no writeback after it. Measured with the real VM
 * in Node (a fresh machine, 32 MiB, a loaded host): 79 M guest instructions through the page
 * cache, 19 M direct; 8.0-8.8 s against 2.7-3.3 s. The dd is busybox's (the command runs under
 * busybox's sh, whose applets come first), which writes a last partial block too; where the
 * directory's filesystem refuses O_DIRECT (a tmpfs mounted over it, on Linux 6.1), the chunk is
 * copied again through the page cache. (tests/integration/guest-io.test.ts has both.) The file is
 * then not in the page cache: downloading it back reads the disk (3.2-5.2 s for 32 MiB in Chromium
 * from the cache, 5.7-7.4 s from the disk). Downloads read through the page cache: a file the
 * learner just made is there, and O_DIRECT would write it back first and read the disk.
 */
function uploadChunkCommand(shared: string, partial: string, offset: number): string {
  const copy = (direct: boolean) =>
    `dd if="$CONTAINED_SHARE/${shared}" of=${partial} ${chunkBlocks(offset, UPLOAD_CHUNK)} conv=notrunc iflag=fullblock${direct ? " oflag=direct" : ""} status=none`;
  return `${copy(true)} 2>/dev/null || ${copy(false)}`;
}

/**
 * Writes `bytes` to /root/<name> in the guest. Returns the guest path. The chunks go into a
 * hidden file beside it, renamed to the name at the end: a cancelled or failed upload leaves
 * nothing behind (and a file of that name as it was).
 */
export async function uploadFile(
  guest: TransferGuest,
  name: string,
  bytes: Uint8Array,
  { onProgress = () => {}, signal }: TransferOptions = {},
): Promise<string> {
  const path = uploadPath(name);
  checkUploadSize(name, bytes.length);
  const total = bytes.length;
  const partial = shellQuote(`${UPLOAD_DIRECTORY}/.contained-upload-${Math.random().toString(36).slice(2, 10)}`);
  onProgress(0, total);
  if (signal?.aborted) throw new TransferCancelled();
  const shared = await guest.shareFile(bytes);
  let written = false;
  try {
    let offset = 0;
    do {
      if (signal?.aborted) throw new TransferCancelled();
      const result = await guest.exec(uploadChunkCommand(shared, partial, offset), { sharedFolder: true, timeoutMs: CHUNK_TIMEOUT_MS });
      written = true;
      if (result.exitCode !== 0 || result.status !== "ok") throw failure(`could not write ${path}`, result);
      offset = Math.min(total, offset + UPLOAD_CHUNK);
      if (offset < total) onProgress(offset, total);
    } while (offset < total);
    const moved = await guest.exec(`mv -fT -- ${partial} ${shellQuote(path)}`);
    if (moved.exitCode !== 0 || moved.status !== "ok") throw failure(`could not write ${path}`, moved);
    onProgress(total, total);
    return path;
  } catch (e) {
    if (written) await guest.exec(`rm -f -- ${partial}`).catch(() => undefined);
    throw e;
  } finally {
    await guest.removeSharedFile(shared).catch(() => undefined);
  }
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
export async function downloadFile(guest: TransferGuest, path: string, { onProgress = () => {}, signal }: TransferOptions = {}): Promise<Uint8Array> {
  if (!path.trim()) throw new TransferError("name a file in the guest to download");
  const exec: Exec = (command, options) => guest.exec(command, options);
  const size = await guestFileSize(exec, path);
  if (size > DOWNLOAD_LIMIT) {
    throw new TransferError(`${path} is ${formatBytes(size)}; files up to ${formatBytes(DOWNLOAD_LIMIT)} can be downloaded`);
  }
  const source = shellQuote(path);
  onProgress(0, size);
  if (signal?.aborted) throw new TransferCancelled();
  const shared = await guest.reserveSharedFile(size);
  let taken = false;
  try {
    for (let offset = 0; offset < size; offset += DOWNLOAD_CHUNK) {
      if (signal?.aborted) throw new TransferCancelled();
      const last = offset + DOWNLOAD_CHUNK >= size;
      // (the last chunk says the file's size again: a file that shrank meanwhile is caught)
      const command = `dd if=${source} of="$CONTAINED_SHARE/${shared}" ${chunkBlocks(offset, DOWNLOAD_CHUNK)} conv=notrunc iflag=fullblock status=none${last ? ` && stat -L -c %s -- ${source}` : ""}`;
      const result = await guest.exec(command, { sharedFolder: true, timeoutMs: CHUNK_TIMEOUT_MS });
      if (result.exitCode !== 0 || result.status !== "ok") throw failure(`could not read ${path}`, result);
      if (last && Number(result.stdout.trim()) !== size) throw new TransferError(`${path} changed size while it was being downloaded`);
      if (!last) onProgress(offset + DOWNLOAD_CHUNK, size);
    }
    taken = true;
    const data = await guest.takeSharedFile(shared);
    // (a file that grew meanwhile wrote past the end of the reserved one)
    if (data.length !== size) throw new TransferError(`${path} changed size while it was being downloaded`);
    onProgress(size, size);
    return data;
  } finally {
    if (!taken) await guest.removeSharedFile(shared).catch(() => undefined);
  }
}

/** The last part of a guest path: the name a downloaded file gets on the host. */
export function baseName(path: string): string {
  return path.replace(/\/+$/, "").split("/").pop() || "download";
}
