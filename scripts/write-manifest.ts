// Writes images/manifest.json from the built artifacts in images/out/: the single description
// of the machine. Run by scripts/build-images.sh; `tests/unit/manifest.test.ts` checks it.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DiskEntry, FileEntry, Manifest } from "../worker/manifest";

const images = new URL("../images/", import.meta.url).pathname;
const v86Version = JSON.parse(readFileSync(new URL("../node_modules/v86/package.json", import.meta.url), "utf8")).version as string;

export const MACHINE = {
  memorySize: 128 * 1024 * 1024,
  // v86's default is 8 MiB, all of it in every saved state; the guest never draws on a screen.
  vgaMemorySize: 256 * 1024,
  cmdline: readFileSync(join(images, "kernel/cmdline"), "utf8").trim(),
  // The learner's shells and the control agent on the virtio console's ports (hvc0..hvc2: a
  // buffer per trip to the host where a UART makes one per byte; see
  // images/kernel/contained.config), the kernel's console on COM4 (ttyS3), where it is up
  // before any driver. images/agent/init.c starts each on its tty.
  ports: {
    main: { device: "virtio-console", index: 0, tty: "/dev/hvc0" },
    second: { device: "virtio-console", index: 1, tty: "/dev/hvc1" },
    control: { device: "virtio-console", index: 2, tty: "/dev/hvc2" },
    console: { device: "serial", index: 3, tty: "/dev/ttyS3" },
  } satisfies Manifest["ports"],
  // v86's virtio-9p device over an in-memory filesystem: file transfers (worker/shared-folder.ts).
  sharedFolder: true,
};

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function entry(path: string): FileEntry {
  const data = readFileSync(join(images, path));
  return { path, sha256: sha256(data), size: data.length };
}

function diskEntry(): DiskEntry {
  const info = JSON.parse(readFileSync(join(images, "out/disk/rootfs.json"), "utf8")) as { size: number; chunkSize: number; sha256: string };
  const chunks = readdirSync(join(images, "out/disk"))
    .filter((f) => f.endsWith(".img.zst"))
    .map((f) => ({ f, start: Number(f.split("-")[1]) }))
    .sort((a, b) => a.start - b.start)
    .map(({ f }) => entry(`out/disk/${f}`));
  const expected = Math.ceil(info.size / info.chunkSize);
  if (chunks.length !== expected) throw new Error(`disk has ${chunks.length} chunks, expected ${expected}`);
  writeFileSync(join(images, "out/disk/index.json"), JSON.stringify({ chunkSize: info.chunkSize, size: info.size, chunks }, null, 1) + "\n");
  const disk: DiskEntry = {
    path: "out/disk/rootfs.img.zst",
    size: info.size,
    chunkSize: info.chunkSize,
    sha256: info.sha256,
    index: entry("out/disk/index.json"),
  };
  // Written by scripts/preboot.ts: the chunks a boot from the kernel reads, in order.
  const bootChunks = join(images, "out/disk/boot-chunks.json");
  if (existsSync(bootChunks)) disk.bootChunks = JSON.parse(readFileSync(bootChunks, "utf8")) as number[];
  return disk;
}

function packages(): Record<string, string> {
  const lock = readFileSync(join(images, "rootfs/packages.lock"), "utf8");
  const out: Record<string, string> = {};
  for (const line of lock.split("\n")) {
    const [name, version] = line.trim().split(/\s+/);
    if (name && version && !name.startsWith("#")) out[name] = version;
  }
  const seabios = readFileSync(join(images, "out/seabios.version"), "utf8").trim();
  out["seabios"] = seabios;
  return out;
}

export function buildManifest(): Manifest {
  const files = { bios: entry("out/bios.bin"), vgaBios: entry("out/vgabios-stdvga.bin"), kernel: entry("out/bzImage") };
  const disk = diskEntry();
  const id = sha256(
    JSON.stringify({ bios: files.bios.sha256, vgaBios: files.vgaBios.sha256, kernel: files.kernel.sha256, disk: disk.sha256, ...MACHINE, v86Version }),
  );
  const manifest: Manifest = {
    name: "Contained Linux (Debian GNU/Linux 12 bookworm, i386)",
    id,
    v86Version,
    ...MACHINE,
    files,
    disk,
    kernelSource: readFileSync(join(images, "kernel/VERSION"), "utf8").trim(),
    packages: packages(),
  };
  const statePath = join(images, "out/state.json");
  if (existsSync(statePath) && existsSync(join(images, "out/state.bin.zst"))) {
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    manifest.state = {
      ...entry("out/state.bin.zst"),
      imageId: state.imageId,
      v86Version: state.v86Version,
      rawSize: state.rawSize,
      frames: state.frames,
      screens: state.screens,
    };
  }
  return manifest;
}

export function writeManifest(): Manifest {
  const manifest = buildManifest();
  writeFileSync(join(images, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = writeManifest();
  console.log(`images/manifest.json: id ${m.id.slice(0, 16)}, state ${m.state ? (m.state.imageId === m.id ? "current" : "STALE") : "none"}`);
}
