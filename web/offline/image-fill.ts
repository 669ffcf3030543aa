// Keeps all of the guest's disk for offline use. The machine fetches a disk chunk only when the
// guest first reads it, so after a first visit most of the disk was never downloaded and a lesson
// that reads new files would stall offline. Once the lab is running, this fetches the chunks the
// cache lacks, a couple at a time at low priority (the guest's own reads go first), checks each
// against its sha256 in the disk's index, and stores it in the image's cache, which the service
// worker answers from (web/sw/sw.ts). Chunks the guest already read come from the HTTP cache.
// Identical chunks (the disk's empty stretches) are fetched once. One tab fills at a time (a Web
// Lock); the others wait for it and find the image complete.
import { parseManifest, type FileEntry } from "../../worker/manifest";
import { IMAGE_COMPLETE_PATH, imageCacheName, sha256Hex } from "./caches";

export interface FillProgress {
  /** bytes of the disk stored so far, and in all (compressed, as downloaded) */
  stored: number;
  total: number;
}

export interface FillEnvironment {
  caches: CacheStorage;
  fetch: typeof fetch;
  /** Absent where the browser has no Web Locks: then tabs may fill side by side (harmlessly). */
  locks?: LockManager;
}

export class FillError extends Error {
  constructor(
    readonly reason: "offline" | "quota" | "mismatch" | "failed",
    message: string,
  ) {
    super(message);
  }
}

const CONCURRENCY = 2;

interface DiskIndex {
  chunks: FileEntry[];
}

function browserEnvironment(): FillEnvironment {
  return { caches, fetch: fetch.bind(globalThis), locks: navigator.locks };
}

/** Why storing failed, as the learner should read it. */
function storeError(e: unknown): FillError {
  if (e instanceof FillError) return e;
  if ((e as { name?: string })?.name === "QuotaExceededError")
    return new FillError("quota", "there is not enough storage left in this browser to keep the lab for offline use");
  return new FillError("failed", (e as Error)?.message ?? String(e));
}

class ImageFill {
  private stored = 0;
  private total = 0;

  constructor(
    private readonly base: string,
    private readonly cache: Cache,
    private readonly env: FillEnvironment,
    private readonly onProgress: (progress: FillProgress) => void,
    private readonly signal?: AbortSignal,
  ) {}

  private url(path: string): string {
    return new URL(`images/${path}`, this.base).href;
  }

  /** The file's bytes from the network (or the HTTP cache, whose copy is checked like any other). */
  private async download(entry: FileEntry): Promise<Uint8Array<ArrayBuffer>> {
    for (const cache of ["force-cache", "reload"] as const) {
      let response: Response;
      try {
        response = await this.env.fetch(this.url(entry.path), { cache, priority: "low", signal: this.signal });
      } catch (e) {
        if (this.signal?.aborted) throw e;
        throw new FillError("offline", `could not download ${entry.path}: ${(e as Error).message || "network error"}`);
      }
      if (!response.ok) throw new FillError("failed", `could not download ${entry.path}: HTTP ${response.status}`);
      const data = new Uint8Array(await response.arrayBuffer());
      // (an older copy in the HTTP cache, from before a new image was deployed, is fetched again)
      if (data.length === entry.size && (await sha256Hex(data)) === entry.sha256) return data;
    }
    throw new FillError("mismatch", `${entry.path} on the server is not the file this version of the lab lists: reload the page`);
  }

  private async put(url: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const headers = { "Content-Type": url.endsWith(".json") ? "application/json" : "application/octet-stream", "Content-Length": String(data.length) };
    try {
      await this.cache.put(url, new Response(data, { headers }));
    } catch (e) {
      throw storeError(e);
    }
  }

  /** The disk's index: from the cache, or downloaded and kept. */
  private async index(entry: FileEntry): Promise<DiskIndex> {
    const url = this.url(entry.path);
    const kept = await this.cache.match(url);
    let data = kept ? new Uint8Array(await kept.arrayBuffer()) : null;
    if (!data || (await sha256Hex(data)) !== entry.sha256) {
      data = await this.download(entry);
      await this.put(url, data);
    }
    const index = JSON.parse(new TextDecoder().decode(data)) as DiskIndex;
    if (!Array.isArray(index.chunks)) throw new FillError("failed", `${entry.path} lists no chunks`);
    return index;
  }

  async run(manifestUrl: string, imageId: string): Promise<void> {
    const response = await this.env.fetch(manifestUrl).catch((e: Error) => {
      throw new FillError("offline", `could not read the manifest: ${e.message}`);
    });
    if (!response.ok) throw new FillError("failed", `could not read the manifest: HTTP ${response.status}`);
    const manifest = parseManifest(await response.json());
    if (manifest.id !== imageId) throw new FillError("mismatch", "the server has another version of the lab: reload the page");
    const index = await this.index(manifest.disk.index);
    const have = new Set((await this.cache.keys()).map((request) => request.url));
    // Chunks with the same content are fetched once and stored under each of their names.
    const bySha = new Map<string, FileEntry[]>();
    for (const chunk of index.chunks) bySha.set(chunk.sha256, [...(bySha.get(chunk.sha256) ?? []), chunk]);
    const groups = [...bySha.values()];
    this.total = groups.reduce((sum, group) => sum + group[0].size, 0);
    this.report();
    const work = async () => {
      for (let group = groups.shift(); group; group = groups.shift()) {
        this.signal?.throwIfAborted();
        await this.keepGroup(group, have);
        this.stored += group[0].size;
        this.report();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, work));
    await this.put(new URL(IMAGE_COMPLETE_PATH, this.base).href, new TextEncoder().encode(new Date().toISOString()));
  }

  private async keepGroup(group: FileEntry[], have: Set<string>): Promise<void> {
    const missing = group.filter((chunk) => !have.has(this.url(chunk.path)));
    if (missing.length === 0) return;
    const kept = group.find((chunk) => have.has(this.url(chunk.path)));
    const cached = kept ? await this.cache.match(this.url(kept.path)) : undefined;
    const data = cached ? new Uint8Array(await cached.arrayBuffer()) : await this.download(group[0]);
    for (const chunk of missing) await this.put(this.url(chunk.path), data);
  }

  private report(): void {
    this.onProgress({ stored: this.stored, total: this.total });
  }
}

/** Whether all of the image's disk is kept already. */
export async function imageComplete(base: string, imageId: string, env: FillEnvironment = browserEnvironment()): Promise<boolean> {
  const cache = await env.caches.open(imageCacheName(imageId));
  return (await cache.match(new URL(IMAGE_COMPLETE_PATH, base).href)) !== undefined;
}

/**
 * Stores every disk chunk of the image `imageId` the cache lacks; resolves once all are kept.
 * `base` is the site's address (where index.html is). Rejects with a FillError.
 */
export async function fillImageCache(
  base: string,
  imageId: string,
  onProgress: (progress: FillProgress) => void,
  env: FillEnvironment = browserEnvironment(),
  signal?: AbortSignal,
): Promise<void> {
  const fill = async () => {
    if (await imageComplete(base, imageId, env)) return;
    const cache = await env.caches.open(imageCacheName(imageId));
    await new ImageFill(base, cache, env, onProgress, signal).run(new URL("images/manifest.json", base).href, imageId);
  };
  try {
    if (env.locks) await env.locks.request(`contained-image-fill-${imageId}`, { signal }, fill);
    else await fill();
  } catch (e) {
    if (signal?.aborted) throw e;
    throw storeError(e);
  }
}
