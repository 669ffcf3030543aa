// images/manifest.json must describe exactly the files committed beside it.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseManifest, type FileEntry } from "../../worker/manifest";
import { buildManifest } from "../../scripts/write-manifest";
import { WasmZstd } from "../../worker/zstd";
import { decompressFrames } from "../../worker/state-frames";
import { execFileSync } from "node:child_process";

const images = new URL("../../images/", import.meta.url);
const manifest = parseManifest(JSON.parse(readFileSync(new URL("manifest.json", images), "utf8")));
// The product's own decoder (v86's zstd): a chunk that is not exactly chunkSize bytes throws.
const zstd = new WasmZstd(new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("v86/build/v86.wasm"))));
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function expectMatches(entry: FileEntry) {
  const data = readFileSync(new URL(entry.path, images));
  expect({ path: entry.path, size: data.length, sha256: sha256(data) }).toEqual({ path: entry.path, size: entry.size, sha256: entry.sha256 });
}

describe("images/manifest.json", () => {
  it("is what scripts/write-manifest.ts makes of the files in images/out", () => {
    expect(buildManifest()).toEqual(manifest);
  });

  it("lists firmware and kernel with their true sizes and hashes", () => {
    expectMatches(manifest.files.bios);
    expectMatches(manifest.files.vgaBios);
    expectMatches(manifest.files.kernel);
  });

  it("has a pre-booted state saved from this very image", () => {
    expect(manifest.state).toBeDefined();
    expectMatches(manifest.state!);
    expect(manifest.state!.imageId).toBe(manifest.id);
  });

  it("lists the state's zstd frames, which decompress to the raw state zstd itself gives", () => {
    const state = manifest.state!;
    expect(state.frames.length).toBeGreaterThan(1);
    const file = new Uint8Array(readFileSync(new URL(state.path, images)));
    const raw = decompressFrames(state.frames, state.rawSize, file, zstd);
    expect(sha256(raw)).toBe(sha256(execFileSync("zstd", ["-dc"], { input: file, maxBuffer: 64 << 20 })));
  });

  it("refuses a state whose frames do not add up to its sizes", () => {
    const json = JSON.parse(readFileSync(new URL("manifest.json", images), "utf8"));
    json.state.frames[0].size += 1;
    expect(() => parseManifest(json)).toThrow(/bad fields: state/);
  });

  it("has every disk chunk, and together they are the raw image", () => {
    expectMatches(manifest.disk.index);
    const index = JSON.parse(readFileSync(new URL(manifest.disk.index.path, images), "utf8")) as { chunks: FileEntry[] };
    expect(index.chunks.length).toBe(Math.ceil(manifest.disk.size / manifest.disk.chunkSize));
    const whole = createHash("sha256");
    let size = 0;
    index.chunks.forEach((chunk, i) => {
      expect(chunk.path).toBe(`out/disk/rootfs-${i * manifest.disk.chunkSize}-${(i + 1) * manifest.disk.chunkSize}.img.zst`);
      const data = readFileSync(new URL(chunk.path, images));
      expect(sha256(data)).toBe(chunk.sha256);
      const raw = zstd.decompress(data, manifest.disk.chunkSize);
      expect(raw.length).toBe(manifest.disk.chunkSize);
      whole.update(raw);
      size += raw.length;
    });
    expect(size).toBe(manifest.disk.size);
    expect(whole.digest("hex")).toBe(manifest.disk.sha256);
  });

  it("records the machine: command line, memory, port roles and Debian package versions", () => {
    expect(manifest.cmdline).toMatch(/root=\/dev\/sda/);
    expect(manifest.memorySize).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(manifest.ports.control).toEqual({ device: "virtio-console", index: 2, tty: "/dev/hvc2" });
    expect(manifest.ports.console).toEqual({ device: "serial", index: 3, tty: "/dev/ttyS3" });
    expect(manifest.cmdline).toMatch(/console=ttyS3\b/);
    for (const pkg of ["bash", "libc6", "coreutils", "util-linux", "procps", "iproute2", "busybox-static", "seabios"]) {
      expect(manifest.packages[pkg], pkg).toMatch(/^\S+$/);
    }
    expect(manifest.kernelSource).toMatch(/^linux-source-6\.1=/);
  });
});
