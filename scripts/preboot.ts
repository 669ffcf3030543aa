// Boots the image headless in Node, waits for both shells' prompts and the control agent,
// drops the guest's caches, and saves the machine: images/out/state.bin.zst, the pre-booted
// state the lab starts from. Skipped when the manifest already has a state for this image.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { TerminalId } from "../worker/api";
import { toBase64 } from "../worker/protocol";
import { VmService } from "../worker/vm-service";
import { writeManifest } from "./write-manifest";

const images = new URL("../images/", import.meta.url).pathname;
const PROMPT = /# $/;

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
  // Only non-zero pages land in the state: give back the page cache (init_on_free zeroes it).
  const dropped = await vm.exec("sync && echo 3 > /proc/sys/vm/drop_caches && echo 1 > /proc/sys/vm/compact_memory 2>/dev/null; true");
  if (dropped.exitCode !== 0) throw new Error(`could not drop caches: ${dropped.stderr}`);
  const raw = await vm.saveRawState();
  await vm.stop();
  const rawPath = join(images, "out/state.bin");
  writeFileSync(rawPath, raw);
  execFileSync("zstd", ["-q", "-f", "-19", "--rm", rawPath, "-o", join(images, "out/state.bin.zst")]);
  writeFileSync(
    join(images, "out/state.json"),
    JSON.stringify({ imageId: manifest.id, v86Version: manifest.v86Version, screens: { main: toBase64(Buffer.from(screens.main, "latin1")), second: toBase64(Buffer.from(screens.second, "latin1")) } }, null, 2) + "\n",
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
