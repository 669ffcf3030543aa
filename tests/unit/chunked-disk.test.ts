import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ChunkedDisk } from "../../worker/chunked-disk";
import { WasmZstd } from "../../worker/zstd";

const zstd = new WasmZstd(new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("v86/build/v86.wasm"))));

const CHUNK = 1024;
const image = Uint8Array.from({ length: CHUNK * 4 }, (_, i) => (i * 31 + (i >> 10)) & 255);
// Real zstd frames, made by the same CLI the image build uses.
const compressed = Array.from(
  { length: 4 },
  (_, i) => new Uint8Array(execFileSync("zstd", ["-q", "-c", "--no-check"], { input: image.subarray(i * CHUNK, (i + 1) * CHUNK) })),
);

function disk(failFirst = 0) {
  const fetched: string[] = [];
  let failures = failFirst;
  const errors: string[] = [];
  const d = new ChunkedDisk(
    "/x/rootfs.img.zst",
    image.length,
    CHUNK,
    async (index, url) => {
      fetched.push(url);
      if (failures-- > 0) throw new Error("offline");
      return compressed[index];
    },
    (data, size) => zstd.decompress(data, size),
    (m) => errors.push(m),
  );
  const read = (offset: number, len: number) => new Promise<Uint8Array>((r) => d.get(offset, len, r));
  return { d, read, fetched, errors };
}

describe("the chunked disk", () => {
  it("fetches only the chunks a read touches, by v86's part-file names", async () => {
    const { read, fetched } = disk();
    expect(await read(1024 + 512, 1024)).toEqual(image.subarray(1536, 2560));
    expect(fetched).toEqual(["/x/rootfs-1024-2048.img.zst", "/x/rootfs-2048-3072.img.zst"]);
    await read(1024, 512);
    expect(fetched.length).toBe(2);
  });

  it("keeps writes over the image, and a state holds only the written blocks", async () => {
    const { d, read } = disk();
    const data = new Uint8Array(512).fill(7);
    await new Promise<void>((r) => d.set(512, data, r));
    const got = await read(0, 2048);
    expect(got.subarray(512, 1024)).toEqual(data);
    expect(got.subarray(0, 512)).toEqual(image.subarray(0, 512));
    const state = d.get_state();
    expect([...state[0]]).toEqual([2, 3]);
    expect(state[1].length).toBe(512);
    const other = disk();
    other.d.set_state(state);
    expect(await other.read(512, 512)).toEqual(data);
  });

  it("restores the written blocks from v86's own shape (the pre-booted state's)", async () => {
    const { d, read } = disk();
    d.set_state([[[3, new Uint8Array(256).fill(9)]]]);
    expect(await read(768, 256)).toEqual(new Uint8Array(256).fill(9));
    expect(await read(0, 256)).toEqual(image.subarray(0, 256));
  });

  it("retries a chunk that fails to load, and says so", async () => {
    const { read, errors } = disk(2);
    expect(await read(0, 512)).toEqual(image.subarray(0, 512));
    expect(errors[0]).toMatch(/could not load part of the disk \(offline\)/);
  });
});
