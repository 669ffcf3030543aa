// The pre-booted state, decompressed, kept in the browser's origin private file system (OPFS)
// after a first visit: a repeat visit restores from it without downloading and decompressing
// the state again. The worker reads it with a synchronous access handle (13 MB in about 50 ms
// from disk; IndexedDB took a quarter of a second). One file, named after the compressed
// state's sha256 from the manifest, so a new image never meets an old state; it starts with the
// sha256 of the rest, checked while the machine restores from it (vm-service.ts). Where there
// is no OPFS (Node, old browsers) or it fails (a full quota), nothing is cached and nothing else
// changes.
import { STATE_CACHE_DIR } from "./api";
import { sha256Hex } from "./artifacts";

const HASH_BYTES = 64; // the raw state's sha256, hex

/** The subset of the OPFS API used here (typed locally: TypeScript's DOM lib lags behind). */
export interface SyncAccessHandle {
  getSize(): number;
  read(buffer: Uint8Array, options?: { at: number }): number;
  write(buffer: Uint8Array, options?: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
export interface FileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}
export interface DirectoryHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

let root: Promise<DirectoryHandle | null> | null = null;

/**
 * The origin's file system, asked for once. Asking takes the browser a while the first time
 * (0.2 s when it is busy loading the page), so the worker asks as soon as it loads.
 */
export function openStorage(): Promise<DirectoryHandle | null> {
  const storage = (globalThis as unknown as { navigator?: { storage?: { getDirectory?: () => Promise<DirectoryHandle> } } }).navigator?.storage;
  root ??= typeof storage?.getDirectory === "function" ? storage.getDirectory().catch(() => null) : Promise.resolve(null);
  return root;
}

async function directory(create: boolean): Promise<DirectoryHandle | null> {
  return (await openStorage())?.getDirectoryHandle(STATE_CACHE_DIR, { create }) ?? null;
}

const fileName = (sha256: string) => `${sha256}.state`;

/** A kept state, read; `intact` resolves to whether its bytes are the ones that were kept. */
export interface KeptState {
  data: Uint8Array;
  intact: Promise<boolean>;
}

/**
 * The decompressed state kept for the state file `sha256`, if there is one of the right size.
 * Its own sha256 is checked while the caller goes on (`intact`); a damaged copy is dropped.
 */
export async function keptState(sha256: string, rawSize: number): Promise<KeptState | undefined> {
  const dir = await directory(false).catch(() => null); // (none kept yet: NotFoundError)
  return dir ? readChecked(dir, fileName(sha256), HASH_BYTES, (head, size) => (size === HASH_BYTES + rawSize ? head : undefined)) : undefined;
}

/**
 * File `name` of `dir`, read in one go with a synchronous handle: its first `headBytes`, from
 * which `accept` takes the sha256 the rest must have (undefined: the file is not the one wanted),
 * then the rest. The hash is checked while the caller goes on (`intact`); on a mismatch the file is
 * removed. Undefined when there is no such file, it cannot be read (another tab holds it), or
 * `accept` refuses it.
 */
export async function readChecked(
  dir: DirectoryHandle,
  name: string,
  headBytes: number,
  accept: (head: string, size: number) => string | undefined,
): Promise<KeptState | undefined> {
  let raw: Uint8Array, hash: string | undefined;
  try {
    const handle = await (await dir.getFileHandle(name)).createSyncAccessHandle();
    try {
      const size = handle.getSize();
      if (size <= headBytes) return undefined;
      const head = new Uint8Array(headBytes);
      if (handle.read(head, { at: 0 }) !== headBytes) return undefined;
      hash = accept(new TextDecoder().decode(head), size);
      if (hash === undefined) return undefined;
      raw = new Uint8Array(size - headBytes);
      if (handle.read(raw, { at: headBytes }) !== raw.length) return undefined;
    } finally {
      handle.close();
    }
  } catch {
    return undefined; // none (NotFoundError), or another tab has it open
  }
  const intact = sha256Hex(raw).then(async (actual) => {
    if (actual === hash) return true;
    await dir.removeEntry(name).catch(() => {});
    return false;
  });
  return { data: raw, intact };
}

/** Keeps `raw` (the state file `sha256`, decompressed) as the one cached state (false when it cannot, or when it fails). */
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
