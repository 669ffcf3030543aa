// v86 states for the unit tests: the pre-booted state itself, and small ones made here in its
// layout.
import { execFileSync } from "node:child_process";

/** The pre-booted state, decompressed. */
export const raw = new Uint8Array(
  execFileSync("zstd", ["-q", "-d", "-c", new URL("../../images/out/state.bin.zst", import.meta.url).pathname], { maxBuffer: 64 << 20 }),
);

/**
 * A small state in v86's layout (header, info block, 4-byte aligned buffers): RAM packed as
 * save_state packs it (its non-zero pages, and a bitmap of them), then `disk`.
 */
export function v86State(ram: Uint8Array, disk: Uint8Array): Uint8Array {
  const pages: Uint8Array[] = [];
  const bitmap = new Uint8Array(ram.length / 4096 / 8);
  for (let page = 0; page < ram.length / 4096; page++) {
    const bytes = ram.subarray(page * 4096, (page + 1) * 4096);
    if (bytes.every((b) => b === 0)) continue;
    bitmap[page >> 3] |= 1 << (page & 7);
    pages.push(bytes);
  }
  const buffers = [Buffer.concat(pages), bitmap, disk];
  let offset = 0;
  const buffer_infos = buffers.map((b) => ({ offset, length: b.length, end: (offset = (offset + b.length + 3) & ~3) }));
  const state: unknown[] = Array.from({ length: 79 }, (_, i) => i);
  state[77] = { buffer_id: 0 };
  state[78] = { buffer_id: 1 };
  const info = new TextEncoder().encode(JSON.stringify({ buffer_infos: buffer_infos.map(({ offset, length }) => ({ offset, length })), state }));
  const base = (16 + info.length + 3) & ~3;
  const raw = new Uint8Array(base + offset);
  const header = new Int32Array(raw.buffer, 0, 4);
  header.set([-2039052682, 6, raw.length, info.length]);
  raw.set(info, 16);
  buffers.forEach((b, i) => raw.set(b, base + buffer_infos[i].offset));
  return raw;
}

/** `pages` pages of RAM, every third one zero, the rest filled from `seed`. */
export function ramOf(pages: number, seed: number): Uint8Array {
  const ram = new Uint8Array(pages * 4096);
  for (let page = 0; page < pages; page++) if (page % 3) ram.fill((page * 31 + seed) & 255 || 1, page * 4096, (page + 1) * 4096);
  return ram;
}
