// The pre-booted state, decompressed, kept in the browser's origin private file system (OPFS)
// after a first visit: a repeat visit restores from it without downloading, checking and
// decompressing the state again. The worker reads it with a synchronous access handle (13 MB in
// a few ms; IndexedDB took a quarter of a second). One file, named after the compressed state's
// sha256 from the manifest, so a new image never meets an old state; it starts with the sha256
// of the rest, checked before use. Where there is no OPFS (Node, old browsers) or it fails (a
// full quota), nothing is cached and nothing else changes.
import { STATE_CACHE_DIR } from "./api";
import { sha256Hex } from "./artifacts";

const HASH_BYTES = 64; // the raw state's sha256, hex

/** The subset of the OPFS API used here (typed locally: TypeScript's DOM lib lags behind). */
interface SyncAccessHandle {
  getSize(): number;
  read(buffer: Uint8Array, options?: { at: number }): number;
  write(buffer: Uint8Array, options?: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
interface FileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}
interface DirectoryHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

async function directory(create: boolean): Promise<DirectoryHandle | null> {
  const storage = (globalThis as unknown as { navigator?: { storage?: { getDirectory?: () => Promise<DirectoryHandle> } } }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") return null;
  return (await storage.getDirectory()).getDirectoryHandle(STATE_CACHE_DIR, { create });
}

const fileName = (sha256: string) => `${sha256}.state`;

/**
 * The decompressed state kept for the state file `sha256`, if there is one and it is intact
 * (its size and its own sha256 checked: a damaged copy is dropped, and start-up downloads).
 */
export async function cachedState(sha256: string, rawSize: number): Promise<Uint8Array | undefined> {
  try {
    const dir = await directory(false);
    if (!dir) return undefined;
    const handle = await (await dir.getFileHandle(fileName(sha256))).createSyncAccessHandle();
    let raw: Uint8Array, hash: string;
    try {
      if (handle.getSize() !== HASH_BYTES + rawSize) return undefined;
      const head = new Uint8Array(HASH_BYTES);
      handle.read(head, { at: 0 });
      hash = new TextDecoder().decode(head);
      raw = new Uint8Array(rawSize);
      if (handle.read(raw, { at: HASH_BYTES }) !== rawSize) return undefined;
    } finally {
      handle.close();
    }
    if ((await sha256Hex(raw)) === hash) return raw;
    await dir.removeEntry(fileName(sha256));
    return undefined;
  } catch {
    return undefined; // none kept yet (NotFoundError), or no OPFS here
  }
}

/** Keeps `raw` (the state file `sha256`, decompressed) as the one cached state. */
export async function cacheState(sha256: string, raw: Uint8Array): Promise<boolean> {
  try {
    const dir = await directory(true);
    if (!dir) return false;
    for await (const name of dir.keys()) if (name !== fileName(sha256)) await dir.removeEntry(name);
    const hash = new TextEncoder().encode(await sha256Hex(raw));
    const handle = await (await dir.getFileHandle(fileName(sha256), { create: true })).createSyncAccessHandle();
    try {
      // The hash goes in last: a file cut short, or without its hash, fails the check and is
      // dropped.
      handle.truncate(0);
      handle.write(raw, { at: HASH_BYTES });
      handle.write(hash, { at: 0 });
      handle.flush();
    } finally {
      handle.close();
    }
    return true;
  } catch {
    return false; // a full quota, say: nothing is cached, and the next visit downloads
  }
}
