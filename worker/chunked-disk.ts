// The guest's disk: a raw ext2 image split into fixed-size zstd chunks that are fetched when the
// guest first reads them. v86 takes any object with its buffer interface (get/set/load/...),
// so this one class does the fetching, the decompression and the write overlay the same way in
// a browser and in Node. Writes stay in memory, in 256-byte blocks, exactly like v86's own
// async buffers, so a saved state holds only what the guest wrote (disk-overlay.ts).
import { BLOCK, DiskOverlay } from "./disk-overlay";

/** Decompressed chunks kept in memory; older ones are fetched again (from the HTTP cache). */
const MAX_CACHED_CHUNKS = 256;
const RETRY_DELAYS_MS = [250, 1000, 3000, 10_000];

export type ChunkLoader = (index: number, url: string) => Promise<Uint8Array>;
/** Decompresses one chunk file to `size` bytes (worker/zstd.ts); throws on damaged data. */
export type ChunkDecoder = (compressed: Uint8Array, size: number) => Uint8Array;

export class ChunkedDisk {
  readonly byteLength: number;
  onload: ((e: object) => void) | undefined;
  onprogress: ((e: object) => void) | undefined;
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  private written: DiskOverlay;
  /** Bytes the guest has read and written (what fills its page cache: RunningMachine's idle drop). */
  bytesRead = 0;
  bytesWritten = 0;
  /** Every chunk the guest has read, in the order it first asked: what a boot needs. */
  readonly chunksRead = new Set<number>();
  /** Reads the guest is waiting for (their chunks being fetched), and who waits for none to be. */
  private pendingReads = 0;
  private idleWaiters: Array<() => void> = [];

  /**
   * `url` is v86's part-file name, e.g. ".../rootfs.img.zst": chunk i is
   * ".../rootfs-<i*size>-<(i+1)*size>.img.zst".
   */
  constructor(
    private readonly url: string,
    size: number,
    private readonly chunkSize: number,
    private readonly load_chunk: ChunkLoader,
    private readonly decode: ChunkDecoder,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.byteLength = size;
    this.written = new DiskOverlay(size);
  }

  chunkUrl(index: number): string {
    const start = index * this.chunkSize;
    return this.url.replace(/\.img\.zst$/, `-${start}-${start + this.chunkSize}.img.zst`);
  }

  load(): void {
    queueMicrotask(() => this.onload?.({}));
  }

  private async fetchChunk(index: number): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      try {
        const compressed = await this.load_chunk(index, this.chunkUrl(index));
        const data = this.decode(compressed, this.chunkSize);
        if (data.length !== this.chunkSize) throw new Error(`chunk ${index} is ${data.length} bytes, not ${this.chunkSize}`);
        return data;
      } catch (e) {
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        // The guest's read waits meanwhile: a disk that is slow, not broken. Say so once.
        if (attempt === 1) this.onError(`could not load part of the disk (${(e as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private chunk(index: number): Promise<Uint8Array> {
    const cached = this.chunks.get(index);
    if (cached) {
      this.chunks.delete(index); // keep the map in least-recently-used order
      this.chunks.set(index, cached);
      return Promise.resolve(cached);
    }
    let pending = this.inflight.get(index);
    if (!pending) {
      pending = this.fetchChunk(index).then((data) => {
        this.inflight.delete(index);
        this.chunks.set(index, data);
        if (this.chunks.size > MAX_CACHED_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
        return data;
      });
      this.inflight.set(index, pending);
    }
    return pending;
  }

  /** Copies what the chunks hold, then lays the written blocks over it. */
  private assemble(offset: number, len: number, chunkData: (index: number) => Uint8Array): Uint8Array {
    const out = new Uint8Array(len);
    for (let pos = offset; pos < offset + len;) {
      const index = Math.floor(pos / this.chunkSize);
      const within = pos - index * this.chunkSize;
      const n = Math.min(this.chunkSize - within, offset + len - pos);
      out.set(chunkData(index).subarray(within, within + n), pos - offset);
      pos += n;
    }
    this.written.overlay(out, offset);
    return out;
  }

  private chunkRange(offset: number, len: number): number[] {
    const first = Math.floor(offset / this.chunkSize);
    const last = Math.floor((offset + len - 1) / this.chunkSize);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }

  /**
   * Loads chunks the guest is about to read (a few at a time, in the given order) so that its
   * reads find them in memory instead of halting the machine on a fetch. Failures are left to
   * the read that needs the chunk.
   */
  prefetch(indexes: readonly number[], concurrency = 4): Promise<void> {
    const queue = indexes.filter((i) => Number.isInteger(i) && i >= 0 && i * this.chunkSize < this.byteLength);
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        if (!this.chunks.has(i)) await this.chunk(i).catch(() => {});
      }
    };
    return Promise.all(Array.from({ length: concurrency }, worker)).then(() => {});
  }

  get(offset: number, len: number, fn: (data: Uint8Array) => void): void {
    this.bytesRead += len;
    const indexes = this.chunkRange(offset, len);
    for (const i of indexes) this.chunksRead.add(i);
    if (indexes.every((i) => this.chunks.has(i))) {
      fn(this.assemble(offset, len, (i) => this.chunks.get(i)!));
      return;
    }
    this.pendingReads++;
    void Promise.all(indexes.map((i) => this.chunk(i))).then((datas) => {
      const byIndex = new Map(indexes.map((i, k) => [i, datas[k]]));
      try {
        fn(this.assemble(offset, len, (i) => byIndex.get(i)!));
      } finally {
        if (--this.pendingReads === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    });
  }

  /**
   * Reads the guest asked for that wait for a chunk's fetch. A machine's state taken now has
   * the disk's command in flight but not the read behind it (v86 saves the IDE registers, not
   * the host's callback): restored, the guest would wait for a read no one makes until Linux's
   * SCSI timeout (30 s) resets the disk. So a save waits for these (Machine.save).
   */
  get readsInFlight(): number {
    return this.pendingReads;
  }

  /** Resolves once no read waits for a fetch (at once if none does). */
  whenNoReadsInFlight(): Promise<void> {
    if (this.pendingReads === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get_and_cache(offset: number, len: number, fn: (data: Uint8Array) => void): void {
    this.get(offset, len, fn);
  }

  get_from_cache(offset: number, len: number): Uint8Array | undefined {
    const indexes = this.chunkRange(offset, len);
    if (!indexes.every((i) => this.chunks.has(i))) return undefined;
    return this.assemble(offset, len, (i) => this.chunks.get(i)!);
  }

  set(offset: number, data: Uint8Array, fn: () => void): void {
    this.written.write(offset, data);
    this.bytesWritten += data.length;
    fn();
  }

  get_buffer(fn: (buffer?: ArrayBuffer) => void): void {
    fn(undefined); // the whole image is never in memory
  }

  /**
   * The written blocks as two arrays: their indices, and their bytes one after another (in the
   * order they were first written, so later writes leave what is before them in place). v86's
   * own shape, one 256-byte array per block, gave its state one buffer and a JSON entry per
   * block: 9 MB of JSON after the guest unpacked a 30 MB tree.
   */
  get_state(): [Uint32Array, Uint8Array] {
    return this.written.state();
  }

  /** Takes either shape: ours (its bytes kept as they are: v86 hands each buffer of a state over as a copy of its own), or v86's (the pre-booted state was saved with it). */
  set_state(state: [Uint32Array, Uint8Array] | [Array<[number, Uint8Array]>]): void {
    if (state[0] instanceof Uint32Array && state[1] instanceof Uint8Array) {
      this.written = DiskOverlay.restored(this.byteLength, state[0], state[1]);
    } else {
      const blocks = (state as [Array<[number, Uint8Array]>])[0];
      this.written = new DiskOverlay(this.byteLength);
      for (const [index, block] of blocks) this.written.write(index * BLOCK, block);
    }
  }
}
