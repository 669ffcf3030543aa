// Blocks compressed off the emulator's thread. In a browser, CompressionStream deflates on the
// thread that calls it, and the emulator runs on that thread: after an unpack, 30-40 MB of new
// blocks held it for seconds (keys typed then echoed seconds late). So a worker of its own
// (compress-worker.ts) does it, while the emulator runs on. Where there is no Worker (Node,
// whose CompressionStream deflates in zlib's thread pool already), or it cannot start, they are
// compressed here. (A restore's blocks are read on the emulator's thread: see snapshots.ts.)
import { transfer, wrap, type Remote } from "comlink";
import { compressBlock } from "./block-codec";

/** What the worker does (a batch per message). */
export interface BlockCodec {
  compress(blocks: Uint8Array[]): Promise<Uint8Array[]>;
}

interface Started {
  remote: Remote<BlockCodec>;
  /** rejects if the worker fails (comlink's calls would wait forever) */
  failed: Promise<never>;
}

/** The worker, once started; null where it cannot be. */
let started: Started | null | undefined;

function compressionWorker(): Started | null {
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
    return (started = { remote: wrap<BlockCodec>(worker), failed });
  } catch {
    return (started = null);
  }
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
  const copy = data.slice();
  try {
    const [stored] = await Promise.race([worker.remote.compress(transfer([copy], [copy.buffer])), worker.failed]);
    return stored;
  } catch {
    return compressBlock(data); // (a worker that failed to load: here instead)
  }
}
