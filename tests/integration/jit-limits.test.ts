// A machine's JIT compiles to the lab's limits (worker/machine.ts, JIT_LIMITS: smaller modules,
// which V8 compiles again in a fraction of the time), on a start from the pre-booted state and
// after a restore into the running machine (v86's limits are its own, not in a saved state).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { JIT_LIMITS, Machine } from "../../worker/machine";
import { parseManifest } from "../../worker/manifest";
import { decompressFrames } from "../../worker/state-frames";
import { jitLimits } from "../../worker/v86-events";
import { WasmZstd } from "../../worker/zstd";

const images = new URL("../../images/", import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(readFileSync(`${images}manifest.json`, "utf8")));
const wasm = new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("v86/build/v86.wasm")));

describe("v86's JIT limits", () => {
  it("are the lab's on a machine started from the pre-booted state, and stay so across a restore", async () => {
    const state = manifest.state!;
    const machine = await Machine.create(
      manifest,
      images,
      {
        wasm,
        bios: readFileSync(`${images}${manifest.files.bios.path}`),
        vgaBios: readFileSync(`${images}${manifest.files.vgaBios.path}`),
        state: decompressFrames(state.frames, state.rawSize, readFileSync(`${images}${state.path}`), new WasmZstd(wasm)),
      },
      () => {},
    );
    try {
      expect(JIT_LIMITS.maxPages).toBeLessThan(3); // (v86's own: 3 pages, 250 extra blocks)
      expect(jitLimits(machine.emulator)).toEqual(JIT_LIMITS);
      const saved = await machine.save();
      await machine.restore(saved);
      expect(jitLimits(machine.emulator)).toEqual(JIT_LIMITS);
    } finally {
      await machine.destroy();
    }
  }, 120_000);
});
