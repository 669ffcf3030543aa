// A state in zstd frames, decompressed while it downloads (worker/state-frames.ts).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { StateFrames, decompressFrames } from "../../worker/state-frames";
import { WasmZstd } from "../../worker/zstd";

const zstd = new WasmZstd(new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("v86/build/v86.wasm"))));

const FRAME = 64 * 1024;
const raw = Uint8Array.from({ length: FRAME * 3 + 1000 }, (_, i) => (i * 7 + (i >> 12)) & 255);
// Real frames, made by the same CLI as scripts/preboot.ts
const parts = [0, 1, 2, 3].map((i) => raw.subarray(i * FRAME, (i + 1) * FRAME));
const compressed = parts.map((part) => new Uint8Array(execFileSync("zstd", ["-q", "-c"], { input: part })));
const frames = parts.map((part, i) => ({ size: compressed[i].length, rawSize: part.length }));
const file = new Uint8Array(Buffer.concat(compressed));

/** Feeds `file` as a download would, `step` bytes at a time. */
function download(decoder: StateFrames, data: Uint8Array, step: number): void {
  for (let loaded = step; loaded < data.length; loaded += step) decoder.feed(data, loaded);
}

// (generous timeouts: the first decode instantiates v86.wasm, seconds on a loaded two-core host)
describe("a state in zstd frames", { timeout: 30_000 }, () => {
  it("is decompressed frame by frame as its bytes come, to the same bytes", async () => {
    const decoder = new StateFrames(frames, raw.length, Promise.resolve(zstd));
    await Promise.resolve(); // the decoder is there from now on
    const decompressInto = zstd.decompressInto.bind(zstd);
    const calls: number[] = [];
    zstd.decompressInto = (src, target) => (calls.push(src.length), decompressInto(src, target));
    try {
      download(decoder, file, 100);
      expect(calls).toEqual(compressed.slice(0, 3).map((c) => c.length)); // all but the last, which is not complete yet
      expect(await decoder.finish(file)).toEqual(raw);
    } finally {
      zstd.decompressInto = decompressInto;
    }
  });

  it("waits for a decoder that comes after the bytes", async () => {
    let give!: (z: WasmZstd) => void;
    const decoder = new StateFrames(frames, raw.length, new Promise((r) => (give = r)));
    download(decoder, file, 4096);
    give(zstd);
    expect(await decoder.finish(file)).toEqual(raw);
    expect(decompressFrames(frames, raw.length, file, zstd)).toEqual(raw);
  });

  it("refuses damaged data and a file that does not match its frames", async () => {
    const damaged = file.slice();
    for (let i = 0; i < 16; i++) damaged[compressed[0].length + 40 + i] ^= 0xff;
    await expect(new StateFrames(frames, raw.length, Promise.resolve(zstd)).finish(damaged)).rejects.toThrow(/damaged zstd data/);
    const longer = new Uint8Array(file.length + 10);
    longer.set(file);
    await expect(new StateFrames(frames, raw.length, Promise.resolve(zstd)).finish(longer)).rejects.toThrow(/does not match its frames/);
  });
});
