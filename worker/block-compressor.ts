// A save's new blocks compressed off the emulator's thread. In a browser, CompressionStream
// deflates on the thread that calls it, and the emulator runs on that thread: after an unpack,
// 30-40 MB of new blocks held it for seconds (keys typed then echoed seconds late). So a worker
// of its own compresses them while the emulator runs on. Where there is no Worker (Node, whose
// CompressionStream deflates in zlib's thread pool already), or it cannot start, they are
// compressed here.
import { transfer, wrap, type Remote } from "comlink";
import { compressBlock } from "./block-codec";

interface Compressor {
  compress(block: Uint8Array): Promise<Uint8Array>;
}

/** The worker, and a promise that rejects if it fails (comlink's calls would wait forever). */
let started: { remote: Remote<Compressor>; failed: Promise<never> } | null | undefined;

function compressionWorker(): typeof started {
  if (started !== undefined) return started;
  try {
    if (typeof Worker !== "function") return (started = null);
    const worker = new Worker(new URL("./compress-worker.ts", import.meta.url), { type: "module" });
    const failed = new Promise<never>((_, reject) =>
      worker.addEventListener("error", (e) => {
        started = null; // (later blocks: here)
        reject(new Error(`the compression worker failed: ${e.message}`));
      }),
    );
    failed.catch(() => {});
    started = { remote: wrap<Compressor>(worker), failed };
  } catch {
    started = null;
  }
  return started;
}

let inPlace = false;
/** Compress here even where a worker could (the bench sets the two side by side). */
export function compressInPlace(on: boolean): void {
  inPlace = on;
}

/** A block's stored form (block-codec.ts's compressBlock), compressed by the worker where there is one. */
export async function compressOffThread(data: Uint8Array): Promise<Uint8Array> {
  const worker = inPlace ? null : compressionWorker();
  if (!worker) return compressBlock(data);
  const copy = data.slice(); // (a block may be a view of the whole state: only its bytes go)
  try {
    return await Promise.race([worker.remote.compress(transfer(copy, [copy.buffer])), worker.failed]);
  } catch {
    return compressBlock(data); // (a worker that failed to load: here instead)
  }
}
