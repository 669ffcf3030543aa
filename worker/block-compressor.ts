// A save's blocks compressed, and a restore's opened (decompressed and checked against their
// names), off the emulator's thread. In a browser, CompressionStream and DecompressionStream
// run on the thread that calls them, and the emulator runs on that thread: after an unpack,
// 30-40 MB of new blocks held it for seconds (keys typed then echoed seconds late), and a
// resume's decompression waited behind the boot files' loading on it. So workers of their own
// (compress-worker.ts) do it, a batch of blocks per message; a restore's blocks are shared out
// among several, where the machine has the cores. Where there is no Worker (Node, whose
// streams run in zlib's thread pool already), or one cannot start, it is done here.
import { transfer, wrap, type Remote } from "comlink";
import { compressBlock, isRawBlock, readBlock, type StoredBlock } from "./block-codec";

/** What a worker does. */
export interface BlockCodec {
  compress(blocks: Uint8Array[]): Promise<Uint8Array[]>;
  /** Each stored block's bytes (block-codec.ts's readBlock: `sizes[i]` bytes), or why it cannot be read. */
  read(blocks: StoredBlock[], sizes: number[]): Promise<Array<Uint8Array | string>>;
}

interface Started {
  remote: Remote<BlockCodec>;
  /** rejects if the worker fails (comlink's calls would wait forever) */
  failed: Promise<never>;
}

/** The workers started, by index; null where one cannot be. */
const pool: Array<Started | null> = [];

function codecWorker(index: number): Started | null {
  if (pool[index] !== undefined) return pool[index];
  try {
    if (typeof Worker !== "function") return (pool[index] = null);
    const worker = new Worker(new URL("./compress-worker.ts", import.meta.url), { type: "module" });
    const failed = new Promise<never>((_, reject) =>
      worker.addEventListener("error", (e) => {
        pool[index] = null; // (later blocks: here)
        reject(new Error(`a block worker failed: ${e.message}`));
      }),
    );
    failed.catch(() => {});
    return (pool[index] = { remote: wrap<BlockCodec>(worker), failed });
  } catch {
    return (pool[index] = null);
  }
}

/** Workers a restore's blocks are shared among: one per core but one, two at least, four at most. */
function openers(): number {
  const cores = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 2;
  return Math.max(2, Math.min(4, cores - 1));
}

/**
 * Compressed bytes below which a restore's blocks are read here: a worker's start (a module to
 * load, in each new page) cost more than decompressing the booted lab's ~1 MB (a resume waited
 * ~0.3 s for its blocks when it started two).
 */
export const WORKERS_FROM_BYTES = 4 << 20;

/** Starts the workers a restore of `bytes` compressed bytes will use, ahead of it (while its blocks are read from storage). */
export function warmBlockWorkers(bytes: number): void {
  if (inPlace || bytes < WORKERS_FROM_BYTES) return;
  for (let i = 0; i < openers(); i++) codecWorker(i);
}

let inPlace = false;
/** Compress and open blocks here even where workers could (the bench sets the two side by side). */
export function compressInPlace(on: boolean): void {
  inPlace = on;
}

/** (a block may be a view of the whole state: only its bytes go, in a buffer of their own) */
const own = (data: Uint8Array) => (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice());

/** A block's stored form (block-codec.ts's compressBlock), compressed by the worker where there is one. */
export async function compressOffThread(data: Uint8Array): Promise<Uint8Array> {
  const worker = inPlace ? null : codecWorker(0);
  if (!worker) return compressBlock(data);
  const copy = data.slice();
  try {
    const [stored] = await Promise.race([worker.remote.compress(transfer([copy], [copy.buffer])), worker.failed]);
    return stored;
  } catch {
    return compressBlock(data); // (a worker that failed to load: here instead)
  }
}

/**
 * Stored blocks' bytes (block-codec.ts's readBlock: `sizes[i]` bytes each), read (compressed
 * ones decompressed) by workers where there are some; throws the first block's failure. (The
 * stored blocks are copied to the workers, not handed over: a worker that fails leaves them
 * for here.)
 */
export async function readOffThread(blocks: StoredBlock[], sizes: number[]): Promise<Uint8Array[]> {
  const here = () => Promise.all(blocks.map((block, i) => readBlock(block, sizes[i])));
  const count = Math.min(openers(), blocks.length);
  const compressed = blocks.reduce((n, b) => n + (isRawBlock(b) ? 0 : b.length), 0);
  const workers = inPlace || compressed < WORKERS_FROM_BYTES ? [] : Array.from({ length: count }, (_, i) => codecWorker(i));
  if (!workers.length || workers.some((w) => !w)) return here();
  const share = Math.ceil(blocks.length / count);
  const parts = workers.map((worker, i) => {
    const batch = blocks.slice(i * share, (i + 1) * share).map((b) => (isRawBlock(b) ? { ...b, bytes: own(b.bytes) } : own(b)));
    return Promise.race([worker!.remote.read(batch, sizes.slice(i * share, (i + 1) * share)), worker!.failed]);
  });
  let opened: Array<Uint8Array | string>;
  try {
    opened = (await Promise.all(parts)).flat();
  } catch {
    return here(); // (a worker that failed to load: here instead)
  }
  return opened.map((b) => {
    if (typeof b === "string") throw new Error(b);
    return b;
  });
}
