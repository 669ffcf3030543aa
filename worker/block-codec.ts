// A block's name (sha256, hex) and its stored forms: deflate-raw (CompressionStream exists in
// browsers' workers and in Node alike), or its bytes as they are, tagged, until a background pass
// compresses it (snapshot-compaction.ts): a save writes raw, so it is durable sooner.
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
export type StoredBlock = Uint8Array | RawBlock;
export interface RawBlock {
  codec: "raw";
  bytes: Uint8Array;
}

export function isRawBlock(block: unknown): block is RawBlock {
  return typeof block === "object" && block !== null && (block as RawBlock).codec === "raw" && (block as RawBlock).bytes instanceof Uint8Array;
}

export function isStoredBlock(block: unknown): block is StoredBlock {
  return block instanceof Uint8Array || isRawBlock(block);
}

/** A block's raw stored form, its own buffer (a view of the whole state would store all of it). */
export function rawBlock(data: Uint8Array): RawBlock {
  return { codec: "raw", bytes: data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice() };
}

/** Bytes the stored form takes. */
export function storedSize(block: StoredBlock): number {
  return isRawBlock(block) ? block.bytes.length : block.length;
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

/** A stored block's bytes, whichever its form; throws when they are not `size` bytes. */
export async function readBlock(stored: StoredBlock, size: number): Promise<Uint8Array> {
  if (!isRawBlock(stored)) return decompressBlock(stored, size);
  if (stored.bytes.length !== size) throw new Error(`a block holds ${stored.bytes.length} bytes, not ${size}`);
  return stored.bytes;
}

/** Its deflate-raw form (what a snapshot file carries). */
export function compressedForm(stored: StoredBlock): Promise<Uint8Array> {
  return isRawBlock(stored) ? compressBlock(stored.bytes) : Promise.resolve(stored);
}
