// A block's name (sha256, hex) and its stored form (deflate-raw): CompressionStream exists in
// browsers' workers and in Node alike.
export async function blockHash(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
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
