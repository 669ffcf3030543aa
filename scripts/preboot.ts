// Boots the image headless in Node, waits for both shells' prompts and the control agent,
// drops the guest's caches, and saves the machine: images/out/state.bin.zst, the pre-booted
// state the lab starts from. Skipped when the manifest already has a state for this image.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { TerminalId } from "../worker/api";
import { toBase64 } from "../worker/protocol";
import { VmService } from "../worker/vm-service";
import { writeManifest } from "./write-manifest";

const images = new URL("../images/", import.meta.url).pathname;
const PROMPT = /# $/;
const STATE_FRAME_SIZE = 4 << 20;

async function main() {
  const force = process.argv.includes("--force");
  const manifest = writeManifest();
  if (!force && manifest.state && manifest.state.imageId === manifest.id) {
    console.log("preboot: images/out/state.bin.zst is current for this image; nothing to do (--force to redo)");
    return;
  }
  const vm = new VmService();
  const screens: Record<TerminalId, string> = { main: "", second: "" };
  let resolvePrompts!: () => void;
  const prompts = new Promise<void>((r) => (resolvePrompts = r));
  await vm.subscribe((event) => {
    if (event.type === "output") {
      screens[event.terminal] += String.fromCharCode(...event.data);
      if (PROMPT.test(screens.main) && PROMPT.test(screens.second)) resolvePrompts();
    }
    if (event.type === "error") console.error(`preboot: ${event.error.code}: ${event.error.message}`);
  });
  const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");
  const started = await vm.start({ imagesBase: images, wasmPath, from: "kernel" });
  await prompts;
  console.log(`preboot: booted from the kernel in ${(started.elapsedMs / 1000).toFixed(2)} s; both prompts shown`);
  // What the boot read from the disk, in order: later boots from the kernel prefetch it.
  writeFileSync(join(images, "out/disk/boot-chunks.json"), JSON.stringify(vm.diskChunksRead()) + "\n");
  // Only non-zero pages land in the state. Give back the page cache (init_on_free zeroes pages
  // as they are freed), then zero what the kernel left unzeroed at boot (firmware and
  // decompressor leftovers, see images/kernel/patches/0003-*): dd's buffer takes all free
  // memory but 6 MiB, the kernel hands it over zeroed, and it is zero again when dd exits.
  // (With a 2 MiB margin the kernel reclaimed the shells' own pages to find it, and the
  // first command after a restore waited 250 ms to read them back.)
  const margin = 6144;
  const zeroed = await vm.exec(
    "sync && echo 3 > /proc/sys/vm/drop_caches && " +
      `busybox dd if=/dev/zero of=/dev/null bs=$(( $(busybox awk '/^MemFree:/ { print $2 }' /proc/meminfo) - ${margin} ))k count=1 2>/dev/null && ` +
      "echo 3 > /proc/sys/vm/drop_caches",
    { timeoutMs: 60_000 },
  );
  if (zeroed.exitCode !== 0) throw new Error(`could not zero the guest's free memory: ${zeroed.stderr}`);
  const raw = await vm.saveRawState();
  await vm.stop();
  // Compressed in frames of 4 MiB (one zstd file, frame after frame), so a first visit
  // decompresses each frame while the rest downloads (worker/state-frames.ts). Smaller frames
  // compressed worse: 1 MiB ones made the file 12% bigger, 4 MiB ones 4%.
  const frames: Array<{ size: number; rawSize: number }> = [];
  const compressed: Buffer[] = [];
  const rawPath = join(images, "out/state.frame");
  for (let at = 0; at < raw.length; at += STATE_FRAME_SIZE) {
    const part = raw.subarray(at, at + STATE_FRAME_SIZE);
    writeFileSync(rawPath, part);
    const frame = execFileSync("zstd", ["-q", "-19", "-c", rawPath], { maxBuffer: 64 << 20 });
    frames.push({ size: frame.length, rawSize: part.length });
    compressed.push(frame);
  }
  rmSync(rawPath);
  writeFileSync(join(images, "out/state.bin.zst"), Buffer.concat(compressed));
  writeFileSync(
    join(images, "out/state.json"),
    JSON.stringify(
      {
        imageId: manifest.id,
        v86Version: manifest.v86Version,
        rawSize: raw.length,
        frames,
        screens: { main: toBase64(Buffer.from(screens.main, "latin1")), second: toBase64(Buffer.from(screens.second, "latin1")) },
      },
      null,
      2,
    ) + "\n",
  );
  const final = writeManifest();
  console.log(`preboot: state ${(raw.length / 1e6).toFixed(1)} MB raw, ${(final.state!.size / 1e6).toFixed(2)} MB zstd -> images/out/state.bin.zst`);
  process.exit(0);
}

if (!existsSync(join(images, "out/bzImage"))) {
  console.error("preboot: images/out/bzImage is missing; run `npm run images` first");
  process.exit(1);
}
main().catch((e) => {
  console.error(`preboot failed: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
