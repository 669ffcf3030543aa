// Loads the machine's files with progress: fetch() in a browser, the file system in Node.
// Every file is checked against the manifest's sha256, so a damaged download is an error
// before it reaches the emulator.
import { DownloadError, fetchOk, streamWasm } from "./fetch";
import { BadImageError, type FileEntry } from "./manifest";
import type { Progress } from "./progress";

export { DownloadError };
export type { Progress };

// v86 makes the same test to choose between XHR and the file system.
const isNode = typeof XMLHttpRequest === "undefined" && typeof process !== "undefined" && !!process.versions?.node;

export function joinPath(base: string, path: string): string {
  return base.endsWith("/") ? base + path : `${base}/${path}`;
}

async function readNode(path: string, onProgress: Progress): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
  let data: Uint8Array;
  try {
    data = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new DownloadError(`could not read ${path}: ${(e as Error).message}`);
  }
  onProgress(data.length, data.length);
  return data;
}

/** The bytes of a file so far: the first `loaded` bytes of `data` (a buffer that may be replaced as it grows). */
export type OnData = (data: Uint8Array, loaded: number) => void;

async function fetchBrowser(url: string, expectedSize: number, onProgress: Progress, cache: RequestCache = "default", onData?: OnData): Promise<Uint8Array> {
  const response = await fetchOk(url, cache);
  const total = Number(response.headers.get("content-length")) || expectedSize;
  const reader = response.body.getReader();
  // Read into one buffer of the announced size (grown if the body is longer): no copy at the end.
  let data = new Uint8Array(total || 1 << 16);
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    let part: ReadableStreamReadResult<Uint8Array>;
    try {
      part = await reader.read();
    } catch (e) {
      throw new DownloadError(`download of ${url} was interrupted: ${(e as Error).message}`);
    }
    if (part.done) break;
    if (loaded + part.value.length > data.length) {
      const bigger = new Uint8Array(Math.max(data.length * 2, loaded + part.value.length));
      bigger.set(data.subarray(0, loaded));
      data = bigger;
    }
    data.set(part.value, loaded);
    loaded += part.value.length;
    onProgress(loaded, Math.max(total, loaded));
    onData?.(data, loaded);
  }
  return loaded === data.length ? data : data.slice(0, loaded);
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Loads a file without a known hash (the manifest itself, v86's wasm). */
export function loadRaw(location: string, onProgress: Progress = () => {}, expectedSize = 0): Promise<Uint8Array> {
  return isNode ? readNode(location, onProgress) : fetchBrowser(location, expectedSize, onProgress);
}

/**
 * Loads and compiles v86's wasm: in a browser while it downloads (see fetch.ts), in Node from
 * the file.
 */
export async function loadWasm(location: string, onProgress: Progress = () => {}): Promise<WebAssembly.Module> {
  if (!isNode && typeof WebAssembly.compileStreaming === "function") {
    const module = await streamWasm(location, onProgress);
    if (module) return module;
    // served with another type: compile from the bytes below
  }
  const bytes = await loadRaw(location, onProgress);
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new DownloadError(`${location} is not v86's wasm: ${(e as Error).message}`);
  }
}

/** Why `data` is not the file `entry` describes, or null when it is. */
async function mismatch(entry: FileEntry, data: Uint8Array): Promise<string | null> {
  if (data.length !== entry.size) return `${entry.path} is ${data.length} bytes, the manifest says ${entry.size}`;
  if ((await sha256Hex(data)) !== entry.sha256) return `${entry.path} does not match its sha256 in the manifest`;
  return null;
}

/** A file the manifest lists, loaded; `problem` resolves to what is wrong with it, or to null. */
export interface UncheckedFile {
  data: Uint8Array;
  problem: Promise<string | null>;
}

/**
 * Loads a file the manifest lists without waiting for its check, so that the check (the
 * state's sha256) runs alongside what comes next. In a browser the copy in the HTTP
 * cache is taken without asking the server; a caller whose `problem` is not null loads the file
 * again with loadVerified. In Node the check is made before this returns (a garbage state given
 * to v86 fails in a promise nobody can catch, which ends a Node process).
 */
export async function loadUnchecked(base: string, entry: FileEntry, onProgress: Progress, onData?: OnData): Promise<UncheckedFile> {
  const url = joinPath(base, entry.path);
  if (isNode) {
    const data = await readNode(url, onProgress);
    return { data, problem: Promise.resolve(await mismatch(entry, data)) };
  }
  const data = await fetchBrowser(url, entry.size, onProgress, "force-cache", onData);
  return { data, problem: mismatch(entry, data) };
}

/**
 * Loads a file the manifest lists and checks its size and hash. In a browser, a copy in the
 * HTTP cache is taken without asking the server (the hash says whether it is the right one);
 * only when it is not is the file downloaded again.
 */
export async function loadVerified(base: string, entry: FileEntry, onProgress: Progress): Promise<Uint8Array> {
  const url = joinPath(base, entry.path);
  if (!isNode) {
    const cached = await fetchBrowser(url, entry.size, onProgress, "force-cache");
    if (!(await mismatch(entry, cached))) return cached;
  }
  const data = isNode ? await readNode(url, onProgress) : await fetchBrowser(url, entry.size, onProgress, "reload");
  const problem = await mismatch(entry, data);
  if (problem) throw new BadImageError(problem);
  return data;
}
