// The disk's fill (image-fill.ts) in a worker of its own (fill-worker.ts), so that its downloads,
// hashes and cache writes stay off the page's thread. In a first visit's first minute the fill is
// what the page did between a terminal's frames: a flood drawn then, traced, gave ~0.6 s of the
// page's thread in 8 s to fetch, Response and Cache.put (and the GC of their buffers). Where a
// worker cannot start, the fill runs on the page as before.
import { proxy, wrap, type Remote } from "comlink";
import { FillError, fillImageCache, type FillProgress } from "./image-fill";

/** How a fill in the worker ended (a FillError's reason survives the trip; comlink keeps only an Error's message). */
export type FillOutcome = { ok: true } | { ok: false; reason: FillError["reason"]; message: string };

/** What the worker does. */
export interface FillWorker {
  fill(base: string, imageId: string, onProgress: (progress: FillProgress) => void): Promise<FillOutcome>;
}

/** The worker's side: `fill` (fillImageCache) with its end as a value. */
export function fillService(fill: typeof fillImageCache = fillImageCache): FillWorker {
  return {
    async fill(base, imageId, onProgress) {
      // (each progress call is a message of its own channel: the end waits until the page has
      // heard them all, or it could hear of the end first)
      const told: Array<unknown> = [];
      const tell = (progress: FillProgress) => void told.push(Promise.resolve(onProgress(progress)).catch(() => {}));
      try {
        await fill(base, imageId, tell);
        return { ok: true };
      } catch (e) {
        return { ok: false, reason: e instanceof FillError ? e.reason : "failed", message: (e as Error)?.message ?? String(e) };
      } finally {
        await Promise.all(told);
      }
    },
  };
}

/** The page's side: the fill made by `remote`; rejects with a FillError, as fillImageCache does. */
export async function fillThrough(remote: Remote<FillWorker>, base: string, imageId: string, onProgress: (progress: FillProgress) => void): Promise<void> {
  const outcome = await remote.fill(base, imageId, proxy(onProgress));
  if (!outcome.ok) throw new FillError(outcome.reason, outcome.message);
}

/** Where a fill ran. */
export type FillPlace = "worker" | "page";

/** Stores what the cache lacks of image `imageId`'s disk, from a worker; on the page where none starts. */
export async function fillImageOffThread(base: string, imageId: string, onProgress: (progress: FillProgress) => void): Promise<FillPlace> {
  let worker: Worker;
  try {
    worker = new Worker(new URL("./fill-worker.ts", import.meta.url), { type: "module" });
  } catch {
    await fillImageCache(base, imageId, onProgress);
    return "page";
  }
  // (a worker whose script fails to load answers nothing: comlink's calls would wait forever)
  const failed = new Promise<"failed">((resolve) => worker.addEventListener("error", () => resolve("failed"), { once: true }));
  const remote = wrap<FillWorker & { ready(): true }>(worker);
  try {
    if ((await Promise.race([remote.ready(), failed])) === "failed") {
      await fillImageCache(base, imageId, onProgress);
      return "page";
    }
    const filled = fillThrough(remote, base, imageId, onProgress).then(() => "filled" as const);
    if ((await Promise.race([filled, failed])) === "failed") throw new FillError("failed", "the worker saving the lab for offline use stopped");
    return "worker";
  } finally {
    worker.terminate();
  }
}
