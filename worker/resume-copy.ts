// The latest automatic snapshot's state, whole, kept in the browser's origin private file system
// beside the pre-booted state (state-cache.ts). A resume reads it as a fresh start reads the kept
// pre-booted state, in one read of one file, instead of reading the snapshot's blocks out of
// IndexedDB, patching the pre-booted state's blocks with them and putting the state together:
// that work came on top of a fresh start's, and had a resume of the booted lab reach its prompt
// 40-80 ms after a fresh start. The snapshot itself stays the truth: the copy names the snapshot
// it is of, and starts with the sha256 of its bytes, checked while the machine restores from it
// (vm-service.ts); it is written whole or not at all (a write cut short by a closed tab leaves the
// copy before it, of another snapshot). Whatever is wrong with it (none, another snapshot's,
// damaged, being written by another tab), the resume reads the snapshot's blocks as before. One copy: each save replaces it; a state over COPY_LIMIT is not
// copied (and the older copy is dropped), so the copy never costs more than that in storage.
import { RESUME_COPY_DIR } from "./api";
import { sha256Hex } from "./artifacts";
import { openStorage, readChecked, type DirectoryHandle, type KeptState } from "./state-cache";

const HASH_BYTES = 64; // the state's sha256, hex
const ID_BYTES = 64; // the snapshot's id, ASCII, padded with spaces
const HEAD = HASH_BYTES + ID_BYTES;
const FILE = "latest.state";
/** The biggest state copied (the booted lab's is 14 MB). */
export const COPY_LIMIT = 64 * 1024 * 1024;

async function directory(create: boolean): Promise<DirectoryHandle | null> {
  return (await openStorage())?.getDirectoryHandle(RESUME_COPY_DIR, { create }) ?? null;
}

/** The part of the OPFS API that writes a file asynchronously (typed locally: TypeScript's lib lags behind). */
interface WritableFileHandle {
  createWritable(): Promise<{ write(data: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
}

const encodeId = (id: string) => new TextEncoder().encode(id.padEnd(ID_BYTES, " ").slice(0, ID_BYTES));

let writing: Promise<unknown> = Promise.resolve();

/** Keeps `raw` as the copy of snapshot `id`, after any copy being written (resolves false when it did not: no OPFS, a full quota, too big). */
export function keepResumeCopy(id: string, raw: Uint8Array): Promise<boolean> {
  const kept = writing.then(() => writeCopy(id, raw));
  writing = kept;
  return kept;
}

/** Resolves once the copies asked for are written (or have failed). */
export function resumeCopyWritten(): Promise<void> {
  return writing.then(() => undefined);
}

async function writeCopy(id: string, raw: Uint8Array): Promise<boolean> {
  try {
    if (id.length > ID_BYTES) return false;
    if (raw.length > COPY_LIMIT) {
      await dropResumeCopy();
      return false;
    }
    const dir = await directory(true);
    if (!dir) return false;
    const head = new Uint8Array(HEAD);
    head.set(new TextEncoder().encode(await sha256Hex(raw)), 0);
    head.set(encodeId(id), HASH_BYTES);
    // (written off this thread, into a file of its own that takes the copy's place as a whole on
    // close(): written synchronously, the copy after an unpack held this thread, the emulator's,
    // and the save's last step with it, for 0.3 s; and a write cut short leaves the copy before it)
    const handle = (await dir.getFileHandle(FILE, { create: true })) as unknown as WritableFileHandle;
    const writable = await handle.createWritable();
    try {
      await writable.write(head);
      await writable.write(raw);
      await writable.close();
    } catch (e) {
      await writable.abort().catch(() => {});
      throw e;
    }
    return true;
  } catch {
    await dropResumeCopy();
    return false; // (a full quota, say: the next resume reads the snapshot's blocks)
  }
}

/** Removes the copy, if there is one. */
export async function dropResumeCopy(): Promise<void> {
  await (await directory(false).catch(() => null))?.removeEntry(FILE).catch(() => {});
}

/**
 * The copy of snapshot `id`, if there is one whole; its sha256 is checked while the caller goes
 * on (`intact`), and a damaged copy is dropped.
 */
export async function resumeCopy(id: string): Promise<KeptState | undefined> {
  const dir = await directory(false).catch(() => null); // (none kept: NotFoundError; no OPFS here)
  // (read as the kept pre-booted state is, with a synchronous handle: read as a File, off this
  // thread, it took 130-150 ms against 50-100 ms, and the resume's prompt came that much later)
  return dir
    ? readChecked(dir, FILE, HEAD, (head) => {
        const hash = head.slice(0, HASH_BYTES);
        return head.slice(HASH_BYTES).trimEnd() === id && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
      })
    : undefined;
}
