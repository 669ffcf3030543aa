// worker/v86-events.ts skips zeroing a fresh machine's RAM before a restore (the costliest part
// of a restore). This restores the pre-booted state twice, once that way and once with v86's own
// zeroing, and compares the two machines' RAM byte for byte before either runs an instruction.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Machine } from "../../worker/machine";
import { parseManifest } from "../../worker/manifest";
import { decompressFrames } from "../../worker/state-frames";
import { WasmZstd } from "../../worker/zstd";

const images = new URL("../../images/", import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(readFileSync(`${images}manifest.json`, "utf8")));
const wasm = new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("v86/build/v86.wasm")));
const state = manifest.state!;
const files = {
  wasm,
  bios: readFileSync(`${images}${manifest.files.bios.path}`),
  vgaBios: readFileSync(`${images}${manifest.files.vgaBios.path}`),
  // (v86 is given the state decompressed, as the lab gives it: see worker/state-frames.ts)
  state: decompressFrames(state.frames, state.rawSize, readFileSync(`${images}${state.path}`), new WasmZstd(wasm)),
};

/** A machine restored from the pre-booted state, and a copy of its RAM taken before it ran. */
async function restored(v86Zeroing: boolean): Promise<{ machine: Machine; ram: Uint8Array }> {
  const machine = await Machine.create(manifest, images, files, () => {}, { v86Zeroing });
  // Still the same task as the restore: the emulator's first instructions run in a later one.
  const ram = machine.memory().slice();
  return { machine, ram };
}

describe("restoring into fresh memory", () => {
  it("gives the same RAM as v86's own restore", async () => {
    const fast = await restored(false);
    const reference = await restored(true);
    try {
      expect(fast.ram.length).toBe(manifest.memorySize);
      let nonZeroPages = 0;
      const differing: number[] = [];
      for (let i = 0; i < fast.ram.length; i += 4096) {
        const page = reference.ram.subarray(i, i + 4096);
        if (page.some((b) => b !== 0)) nonZeroPages++;
        if (Buffer.compare(fast.ram.subarray(i, i + 4096), page) !== 0) differing.push(i);
      }
      expect(nonZeroPages).toBeGreaterThan(1000); // the state did fill RAM
      expect(differing).toEqual([]);
    } finally {
      await fast.machine.destroy();
      await reference.machine.destroy();
    }
  }, 60_000);
});
