// What the guest wrote to its disk, over the image: 256-byte blocks (v86's own unit for its async
// buffers), so a saved state holds only what was written. The blocks live one after another in
// slabs of 1 MiB, in the order they were first written, and a table says where each is: one
// small array per block (the shape before) cost 351 ms to take 40 MB of writes, 139 ms to save
// them and 343 ms to restore them in Node, with the garbage collector busy meanwhile; here a
// state is the slabs put end to end, and a restored state's bytes are taken as they are.

export const BLOCK = 256;
const SLAB_BLOCKS = 4096;

export class DiskOverlay {
  /** Each block's place among the written ones, plus one (0: never written). */
  private readonly slotOf: Int32Array;
  /** Each written block's index, in the order they were first written. */
  private blockOf = new Uint32Array(1024);
  /** A restored state's bytes (its first `adopted` blocks), then slabs of SLAB_BLOCKS. */
  private adoptedBytes: Uint8Array = new Uint8Array(0);
  private adopted = 0;
  private readonly slabs: Uint8Array[] = [];
  private count = 0;

  constructor(byteLength: number) {
    this.slotOf = new Int32Array(Math.ceil(byteLength / BLOCK));
  }

  /** How many blocks have been written. */
  get size(): number {
    return this.count;
  }

  /** Where a slot's bytes are: an array and the offset in it. */
  private place(slot: number): [Uint8Array, number] {
    if (slot < this.adopted) return [this.adoptedBytes, slot * BLOCK];
    const s = slot - this.adopted;
    return [this.slabs[(s / SLAB_BLOCKS) | 0], (s % SLAB_BLOCKS) * BLOCK];
  }

  private newSlot(block: number): number {
    const slot = this.count++;
    if (slot === this.blockOf.length) {
      const grown = new Uint32Array(this.blockOf.length * 2);
      grown.set(this.blockOf);
      this.blockOf = grown;
    }
    this.blockOf[slot] = block;
    if (this.startsArray(slot)) this.slabs.push(new Uint8Array(SLAB_BLOCKS * BLOCK));
    this.slotOf[block] = slot + 1;
    return slot;
  }

  /**
   * Keeps `data` as written at `offset`. v86's disks write whole sectors: `offset` and the length
   * are multiples of BLOCK.
   */
  write(offset: number, data: Uint8Array): void {
    if (offset % BLOCK || data.length % BLOCK) throw new RangeError(`a disk write of ${data.length} bytes at ${offset} is not in whole ${BLOCK}-byte blocks`);
    if (offset + data.length > this.slotOf.length * BLOCK) throw new RangeError(`a disk write of ${data.length} bytes at ${offset} goes past the disk's end`);
    const first = offset / BLOCK;
    const n = data.length / BLOCK;
    // (runs of blocks with slots one after another in one array are copied at once: a new file's)
    for (let i = 0; i < n;) {
      const slot = this.slotFor(first + i);
      let run = 1;
      while (i + run < n && !this.startsArray(slot + run) && this.slotFor(first + i + run) === slot + run) run++;
      const [bytes, at] = this.place(slot);
      bytes.set(data.subarray(i * BLOCK, (i + run) * BLOCK), at);
      i += run;
    }
  }

  private slotFor(block: number): number {
    return this.slotOf[block] ? this.slotOf[block] - 1 : this.newSlot(block);
  }

  /** Whether a slot is the first of its array (a run of slots cannot go on through it). */
  private startsArray(slot: number): boolean {
    return slot === this.adopted || (slot > this.adopted && (slot - this.adopted) % SLAB_BLOCKS === 0);
  }

  /** Lays the written blocks of [offset, offset + out.length) over `out`. */
  overlay(out: Uint8Array, offset: number): void {
    if (!this.count) return;
    const end = offset + out.length;
    for (let block = Math.floor(offset / BLOCK); block * BLOCK < end; block++) {
      const slot = this.slotOf[block];
      if (!slot) continue;
      const [bytes, at] = this.place(slot - 1);
      const from = Math.max(offset, block * BLOCK);
      const to = Math.min(end, (block + 1) * BLOCK);
      out.set(bytes.subarray(at + from - block * BLOCK, at + to - block * BLOCK), from - offset);
    }
  }

  /** The written blocks: their indices, and their bytes end to end, in the order first written. */
  state(): [Uint32Array, Uint8Array] {
    const indices = this.blockOf.slice(0, this.count);
    const length = this.count * BLOCK;
    if (this.count === this.adopted) return [indices, this.adoptedBytes.subarray(0, length)];
    const data = new Uint8Array(length);
    data.set(this.adoptedBytes.subarray(0, this.adopted * BLOCK));
    let at = this.adopted * BLOCK;
    for (const slab of this.slabs) {
      const n = Math.min(slab.length, length - at);
      data.set(slab.subarray(0, n), at);
      at += n;
    }
    return [indices, data];
  }

  /**
   * An overlay holding `indices` written with `data` (a state's: BLOCK bytes each, in order),
   * taken as it is: the caller gives it up. A block named twice keeps its last bytes.
   */
  static restored(byteLength: number, indices: Uint32Array, data: Uint8Array): DiskOverlay {
    if (data.length !== indices.length * BLOCK) throw new RangeError(`a disk state of ${indices.length} blocks holds ${data.length} bytes`);
    const overlay = new DiskOverlay(byteLength);
    for (let i = 0; i < indices.length; i++) {
      if (indices[i] >= overlay.slotOf.length) throw new RangeError(`a disk state names block ${indices[i]}, past the disk's end`);
      if (overlay.slotOf[indices[i]]) return DiskOverlay.rewritten(byteLength, indices, data);
      overlay.slotOf[indices[i]] = i + 1;
    }
    overlay.adoptedBytes = data;
    overlay.adopted = overlay.count = indices.length;
    if (indices.length) overlay.blockOf = Uint32Array.from(indices);
    return overlay;
  }

  /** The same, written block by block (a state that names a block twice: none of ours does). */
  private static rewritten(byteLength: number, indices: Uint32Array, data: Uint8Array): DiskOverlay {
    const overlay = new DiskOverlay(byteLength);
    for (let i = 0; i < indices.length; i++) overlay.write(indices[i] * BLOCK, data.subarray(i * BLOCK, (i + 1) * BLOCK));
    return overlay;
  }
}
