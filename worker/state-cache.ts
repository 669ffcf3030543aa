// The pre-booted state, decompressed, kept in IndexedDB after a first visit: a repeat visit
// restores from it without downloading, checking and decompressing the state again (about a
// quarter of a second of start-up). Keyed by the compressed file's sha256 from the manifest, so
// a new image never meets an old state; only the newest is kept. Where there is no IndexedDB
// (Node) or it fails (private mode, a full quota), nothing is cached and nothing else changes.
import { clear, createStore, get, set, type UseStore } from "idb-keyval";
import { STATE_CACHE_DB } from "./api";
import { sha256Hex } from "./artifacts";

/** What is stored: the decompressed state and its own sha256, checked before it is used. */
interface CachedState {
  raw: Uint8Array;
  rawSha256: string;
}

const DB_NAME = STATE_CACHE_DB;
let store: UseStore | null | undefined;

function open(): UseStore | null {
  if (store === undefined) store = typeof indexedDB === "undefined" ? null : createStore(DB_NAME, "states");
  return store;
}

/**
 * The decompressed state saved for the state file `sha256`, if there is one and it is intact
 * (its size and its own sha256 checked: a damaged copy is dropped, and start-up downloads).
 */
export async function cachedState(sha256: string, rawSize: number): Promise<Uint8Array | undefined> {
  if (typeof indexedDB === "undefined") return undefined;
  try {
    // Creating the database takes 0.2 s: on a first visit, ask whether it exists (and leave
    // creating it to cacheState, after start-up).
    if (typeof indexedDB.databases === "function" && !(await indexedDB.databases()).some((d) => d.name === DB_NAME)) return undefined;
    const s = open()!;
    const value = await get<CachedState>(sha256, s);
    if (!value || !(value.raw instanceof Uint8Array) || value.raw.length !== rawSize) return undefined;
    if ((await sha256Hex(value.raw)) === value.rawSha256) return value.raw;
    await clear(s);
    return undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `raw` (the state file `sha256`, decompressed) as the one cached state. */
export async function cacheState(sha256: string, raw: Uint8Array): Promise<boolean> {
  const s = open();
  if (!s) return false;
  try {
    await clear(s);
    await set(sha256, { raw, rawSha256: await sha256Hex(raw) } satisfies CachedState, s);
    return true;
  } catch {
    return false; // a full quota, say: nothing is cached, and the next visit downloads
  }
}
