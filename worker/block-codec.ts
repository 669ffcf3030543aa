// A block's name (sha256, hex) and its stored forms: deflate-raw (CompressionStream exists in
// browsers' workers and in Node alike), or its bytes as they are, tagged, until a background pass
// compresses it (snapshot-compaction.ts): a save writes raw, so it is durable sooner; or the
// pages in which it differs from the pre-booted state's block at its place (block-patch.ts),
// raw and then deflated the same way.
export async function blockHash(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * A block as stored. A bare Uint8Array is deflate-raw (every block stored before raw ones
 * existed, and every block compressed since); a raw one says so.
 */
export type StoredBlock = Uint8Array | RawBlock | PatchBlock;
export interface RawBlock {
  codec: "raw";
  bytes: Uint8Array;
}

/** A block as the 4 KiB units in which it differs from a pre-booted state's block (block-patch.ts). */
export interface PatchBlock {
  codec: "patch";
  /** the pre-booted state's file sha256, and where in that state the block it patches is (part, index) */
  state: string;
  place: [number, number];
  /** the units that differ, in order */
  units: number[];
  /** those units one after another: raw, or deflate-raw once `deflated` */
  bytes: Uint8Array;
  deflated: boolean;
}

export function isRawBlock(block: unknown): block is RawBlock {
  return typeof block === "object" && block !== null && (block as RawBlock).codec === "raw" && (block as RawBlock).bytes instanceof Uint8Array;
}

export function isPatchBlock(block: unknown): block is PatchBlock {
  const b = block as PatchBlock | null;
  return (
    typeof b === "object" &&
    b !== null &&
    b.codec === "patch" &&
    typeof b.state === "string" &&
    Array.isArray(b.place) &&
    b.place.length === 2 &&
    b.place.every(Number.isInteger) &&
    Array.isArray(b.units) &&
    b.units.every(Number.isInteger) &&
    b.bytes instanceof Uint8Array &&
    typeof b.deflated === "boolean"
  );
}

export function isStoredBlock(block: unknown): block is StoredBlock {
  return block instanceof Uint8Array || isRawBlock(block) || isPatchBlock(block);
}

/** Whether the pass after a save has yet to compress it: raw, or a patch with its units raw. */
export function awaitsCompression(block: StoredBlock): boolean {
  return isRawBlock(block) || (isPatchBlock(block) && !block.deflated);
}

/** Its compressed form (as it is if it is one already); null if compressing it makes it no smaller. */
export async function compressedStored(block: StoredBlock, compress: (data: Uint8Array) => Promise<Uint8Array>): Promise<StoredBlock | null> {
  if (isRawBlock(block)) {
    const deflated = await compress(block.bytes);
    return deflated.length < block.bytes.length ? deflated : null;
  }
  if (isPatchBlock(block) && !block.deflated) {
    const deflated = await compress(block.bytes);
    return deflated.length < block.bytes.length ? { ...block, bytes: deflated, deflated: true } : null;
  }
  return block;
}

/** A block's raw stored form, its own buffer (a view of the whole state would store all of it). */
export function rawBlock(data: Uint8Array): RawBlock {
  return { codec: "raw", bytes: data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice() };
}

/** Bytes the stored form takes. */
export function storedSize(block: StoredBlock): number {
  return block instanceof Uint8Array ? block.length : block.bytes.length;
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // (the writes settle as the output is read; their failure is the read's)
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

export function compressBlock(data: Uint8Array): Promise<Uint8Array> {
  return pipe(data, new CompressionStream("deflate-raw"));
}

/** The block's bytes; throws when they do not decompress to `size` bytes. */
export async function decompressBlock(stored: Uint8Array, size: number): Promise<Uint8Array> {
  let data: Uint8Array;
  try {
    data = await pipe(stored, new DecompressionStream("deflate-raw"));
  } catch {
    throw new Error("a block does not decompress");
  }
  if (data.length !== size) throw new Error(`a block decompresses to ${data.length} bytes, not ${size}`);
  return data;
}

/** A whole stored block's bytes, raw or deflated; throws when they are not `size` bytes. */
export async function readBlock(stored: Uint8Array | RawBlock, size: number): Promise<Uint8Array> {
  if (!isRawBlock(stored)) return decompressBlock(stored, size);
  if (stored.bytes.length !== size) throw new Error(`a block holds ${stored.bytes.length} bytes, not ${size}`);
  return stored.bytes;
}

/** A whole block's deflate-raw form (what a snapshot file carries). */
export function compressedForm(stored: Uint8Array | RawBlock): Promise<Uint8Array> {
  return isRawBlock(stored) ? compressBlock(stored.bytes) : Promise.resolve(stored);
}
