import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FillError, fillImageCache, imageComplete, type FillEnvironment, type FillProgress } from "../../../web/offline/image-fill";
import { imageCacheName } from "../../../web/offline/caches";
import { OfflineState, type OfflineBackend } from "../../../web/state/offline.svelte";

const BASE = "https://lab.example/docs/lab/";
const sha = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** Caches in memory, with the CacheStorage calls the fill makes. */
class MemoryCache {
  readonly entries = new Map<string, Uint8Array>();
  failPuts = false;
  async match(url: string): Promise<Response | undefined> {
    const data = this.entries.get(url);
    return data ? new Response(data.slice()) : undefined;
  }
  async put(url: string, response: Response): Promise<void> {
    if (this.failPuts) throw Object.assign(new Error("quota"), { name: "QuotaExceededError" });
    this.entries.set(url, new Uint8Array(await response.arrayBuffer()));
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
}

/** A site: a manifest, a disk index and its chunks (two of them alike), counting downloads. */
function site({ chunks = ["a", "b", "zero", "zero", "zero"] } = {}) {
  const files = new Map<string, Uint8Array>();
  const entries = chunks.map((text, i) => ({ path: `out/disk/rootfs-${i}.img.zst`, sha256: sha(text), size: text.length }));
  entries.forEach((entry, i) => files.set(`${BASE}images/${entry.path}`, new TextEncoder().encode(chunks[i])));
  const index = new TextEncoder().encode(JSON.stringify({ chunks: entries }));
  files.set(`${BASE}images/out/disk/index.json`, index);
  const manifest = {
    id: "image-1",
    memorySize: 1,
    vgaMemorySize: 1,
    cmdline: "",
    ports: {
      main: { device: "virtio-console", index: 0, tty: "/dev/hvc0" },
      second: { device: "virtio-console", index: 1, tty: "/dev/hvc1" },
      control: { device: "virtio-console", index: 2, tty: "/dev/hvc2" },
      console: { device: "serial", index: 3, tty: "/dev/ttyS3" },
    },
    files: { bios: { path: "b", sha256: "x", size: 1 }, vgaBios: { path: "v", sha256: "x", size: 1 }, kernel: { path: "k", sha256: "x", size: 1 } },
    disk: {
      path: "out/disk/rootfs.img.zst",
      size: 5,
      chunkSize: 1,
      sha256: "x",
      index: { path: "out/disk/index.json", sha256: sha(index), size: index.length },
    },
  };
  files.set(`${BASE}images/manifest.json`, new TextEncoder().encode(JSON.stringify(manifest)));
  const downloads: string[] = [];
  let offline = false;
  const cache = new MemoryCache();
  const env: FillEnvironment = {
    caches: { open: async (name: string) => (expect(name).toBe(imageCacheName("image-1")), cache) } as unknown as CacheStorage,
    fetch: (async (url: string) => {
      if (offline) throw new TypeError("Failed to fetch");
      downloads.push(url.replace(BASE, ""));
      const data = files.get(url);
      return data ? new Response(data.slice()) : new Response("", { status: 404 });
    }) as typeof fetch,
  };
  return { env, cache, files, downloads, goOffline: () => (offline = true), goOnline: () => (offline = false) };
}

describe("filling the image's cache for offline use", () => {
  it("stores every chunk, checked, fetching identical ones once, then marks the image complete", async () => {
    const { env, cache, downloads } = site();
    const progress: FillProgress[] = [];
    await fillImageCache(BASE, "image-1", (p) => progress.push(p), env);
    for (let i = 0; i < 5; i++) expect(cache.entries.has(`${BASE}images/out/disk/rootfs-${i}.img.zst`)).toBe(true);
    expect(new TextDecoder().decode(cache.entries.get(`${BASE}images/out/disk/rootfs-4.img.zst`))).toBe("zero");
    expect(downloads.filter((d) => d.includes("rootfs")).sort()).toEqual([
      "images/out/disk/rootfs-0.img.zst",
      "images/out/disk/rootfs-1.img.zst",
      "images/out/disk/rootfs-2.img.zst",
    ]);
    expect(progress.at(-1)).toEqual({ stored: 6, total: 6 });
    expect(await imageComplete(BASE, "image-1", env)).toBe(true);
    // Next time: nothing to do, nothing downloaded.
    downloads.length = 0;
    await fillImageCache(BASE, "image-1", () => {}, env);
    expect(downloads).toEqual([]);
  });

  it("takes what the cache has already, and refetches past the HTTP cache a copy that is not the listed file", async () => {
    const { env, cache, files, downloads } = site();
    cache.entries.set(`${BASE}images/out/disk/rootfs-0.img.zst`, new TextEncoder().encode("a"));
    const stale = files.get(`${BASE}images/out/disk/rootfs-1.img.zst`)!;
    let served = 0;
    const fetchOnce = env.fetch;
    env.fetch = (async (url: string, init?: RequestInit) => {
      if (url.endsWith("rootfs-1.img.zst") && served++ === 0) {
        expect(init?.cache).toBe("force-cache");
        return new Response("old image's chunk");
      }
      return fetchOnce(url, init);
    }) as typeof fetch;
    await fillImageCache(BASE, "image-1", () => {}, env);
    expect(cache.entries.get(`${BASE}images/out/disk/rootfs-1.img.zst`)).toEqual(stale);
    expect(downloads).not.toContain("images/out/disk/rootfs-0.img.zst");
  });

  it("stops when the network goes, and goes on from where it was when it is back", async () => {
    const { env, goOffline, goOnline, cache } = site();
    goOffline();
    await expect(fillImageCache(BASE, "image-1", () => {}, env)).rejects.toMatchObject({ reason: "offline" });
    goOnline();
    await fillImageCache(BASE, "image-1", () => {}, env);
    expect(cache.entries.size).toBe(5 + 2); // chunks, index, the mark
  });

  it("says so when storage is full, or when the server has another image", async () => {
    const full = site();
    full.cache.failPuts = true;
    await expect(fillImageCache(BASE, "image-1", () => {}, full.env)).rejects.toMatchObject({
      reason: "quota",
      message: expect.stringContaining("not enough storage"),
    });
    const other = site();
    await expect(
      fillImageCache(BASE, "image-2", () => {}, { ...other.env, caches: { open: async () => other.cache } as unknown as CacheStorage }),
    ).rejects.toBeInstanceOf(FillError);
  });
});

describe("OfflineState", () => {
  function backend(fill: OfflineBackend["fill"]) {
    let online = true;
    let onlineListener: (online: boolean) => void = () => {};
    let events: Parameters<OfflineBackend["register"]>[0] | null = null;
    const applied: string[] = [];
    const api: OfflineBackend = {
      register: async (e) => ((events = e), { active: Promise.resolve(), applyUpdate: async () => void applied.push("update") }),
      fill,
      online: () => online,
      watchOnline: (listener) => ((onlineListener = listener), () => {}),
    };
    return { api, applied, setOnline: (value: boolean) => ((online = value), onlineListener(value)), events: () => events! };
  }

  it("is ready once the service worker is active and the disk is stored; a new version waits for the learner", async () => {
    const b = backend(async (onProgress) => onProgress({ stored: 5, total: 10 }));
    const state = new OfflineState(b.api);
    await state.begin();
    expect(state.phase).toBe("ready");
    expect(state.percent).toBe(50);
    expect(state.filledIn).toBeNull(); // (this backend does not say where it filled)
    b.events().updateReady();
    expect(state.updateReady).toBe(true);
    await state.applyUpdate();
    expect(b.applied).toEqual(["update"]);
  });

  it("keeps where the fill ran (a worker of its own, or the page)", async () => {
    const state = new OfflineState(backend(async () => "worker").api);
    await state.begin();
    expect(state.phase).toBe("ready");
    expect(state.filledIn).toBe("worker");
  });

  it("pauses when the network goes away mid-fill, and resumes when it comes back", async () => {
    let attempts = 0;
    const b = backend(async () => {
      if (attempts++ === 0) throw new FillError("offline", "could not download");
    });
    const state = new OfflineState(b.api);
    await state.begin();
    expect(state.phase).toBe("paused");
    b.setOnline(false);
    expect(state.online).toBe(false);
    b.setOnline(true);
    await expect.poll(() => state.phase).toBe("ready");
  });

  it("says why it could not keep the lab", async () => {
    const state = new OfflineState(backend(async () => Promise.reject(new FillError("quota", "there is not enough storage left"))).api);
    await state.begin();
    expect(state.phase).toBe("failed");
    expect(state.problem).toContain("not enough storage");
  });
});
