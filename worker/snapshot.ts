// A snapshot is the whole machine: a small JSON header that says which image it belongs to,
// then the v86 state, gzip-compressed. A snapshot from another image or another v86 is refused
// before it reaches the emulator.
import type { SnapshotInfo } from "./api";

const MAGIC = new TextEncoder().encode("CONTAINED-SNAPSHOT-1\n");

export class BadSnapshotError extends Error {
  readonly code = "bad-state";
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export async function encodeSnapshot(state: Uint8Array, info: SnapshotInfo): Promise<Uint8Array> {
  const header = new TextEncoder().encode(JSON.stringify({ ...info, compression: "gzip", stateSize: state.length }));
  const body = await pipe(state, new CompressionStream("gzip"));
  const out = new Uint8Array(MAGIC.length + 4 + header.length + body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  out.set(body, MAGIC.length + 4 + header.length);
  return out;
}

export function readSnapshotInfo(snapshot: Uint8Array): SnapshotInfo & { stateSize: number; bodyOffset: number } {
  const magicOk = snapshot.length > MAGIC.length + 4 && MAGIC.every((b, i) => snapshot[i] === b);
  if (!magicOk) throw new BadSnapshotError("this file is not a Contained snapshot");
  const length = new DataView(snapshot.buffer, snapshot.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (length > 65536 || start + length > snapshot.length) throw new BadSnapshotError("the snapshot's header is damaged");
  let header: SnapshotInfo & { stateSize: number };
  try {
    header = JSON.parse(new TextDecoder().decode(snapshot.subarray(start, start + length)));
  } catch {
    throw new BadSnapshotError("the snapshot's header is damaged");
  }
  if (typeof header.imageId !== "string" || typeof header.v86Version !== "string" || typeof header.stateSize !== "number") {
    throw new BadSnapshotError("the snapshot's header is incomplete");
  }
  return { ...header, bodyOffset: start + length };
}

/** Checks the snapshot belongs to this machine and returns the raw v86 state. */
export async function decodeSnapshot(snapshot: Uint8Array, expect: { imageId: string; v86Version: string }): Promise<{ info: SnapshotInfo; state: Uint8Array }> {
  const header = readSnapshotInfo(snapshot);
  if (header.imageId !== expect.imageId) {
    throw new BadSnapshotError(`this snapshot was saved from another Linux image (${header.imageId.slice(0, 12)}), not this one (${expect.imageId.slice(0, 12)})`);
  }
  if (header.v86Version !== expect.v86Version) {
    throw new BadSnapshotError(`this snapshot was saved by emulator v86 ${header.v86Version}; this lab runs ${expect.v86Version}`);
  }
  let state: Uint8Array;
  try {
    state = await pipe(snapshot.subarray(header.bodyOffset), new DecompressionStream("gzip"));
  } catch {
    throw new BadSnapshotError("the snapshot's contents are damaged (they do not decompress)");
  }
  if (state.length !== header.stateSize) throw new BadSnapshotError("the snapshot's contents are damaged (wrong size)");
  return { info: { imageId: header.imageId, v86Version: header.v86Version, createdAt: header.createdAt }, state };
}
