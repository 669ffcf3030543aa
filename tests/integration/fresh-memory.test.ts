// worker/v86-events.ts skips zeroing a fresh machine's RAM before a restore (the costliest part
// of a restore), and a start gives v86 its state without RAM's pages, which it writes itself
// (worker/ramless-state.ts). This restores the pre-booted state those ways and with v86's own
// zeroing and unpacking, and compares the machines' RAM byte for byte before any runs an
// instruction, and what each then saves.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Machine, type MachineFiles } from "../../worker/machine";
import { ramlessOf } from "../../worker/ramless-state";
import { ramBytes } from "../../worker/state-blocks";
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
async function restored(v86Zeroing: boolean, given: MachineFiles = files): Promise<{ machine: Machine; ram: Uint8Array }> {
  const machine = await Machine.create(manifest, images, given, () => {}, { v86Zeroing });
  // Still the same task as the restore: the emulator's first instructions run in a later one.
  machine.emulator.stop();
  const ram = machine.memory().slice();
  return { machine, ram };
}

/** Where two states differ. */
function differences(a: Uint8Array, b: Uint8Array): number[] {
  expect(a.length).toBe(b.length);
  const at: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) at.push(i);
  return at;
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
      // What a save counts before it takes a state (to drop the page cache first): the pages the
      // state packed; and a page counts when any byte of it is not zero, its last one too.
      expect(fast.machine.nonZeroRamBytes()).toBe(ramBytes(files.state));
      const memory = fast.machine.memory();
      let zeroPage = 4096;
      while (memory.subarray(zeroPage, zeroPage + 4096).some((b) => b !== 0)) zeroPage += 4096;
      memory[zeroPage + 4095] = 1;
      expect(fast.machine.nonZeroRamBytes()).toBe(ramBytes(files.state)! + 4096);
      // The estimate a save judges by (one page in 8) is near the count.
      expect(Math.abs(fast.machine.nonZeroRamBytes(8) - fast.machine.nonZeroRamBytes())).toBeLessThan(2 << 20);
    } finally {
      await fast.machine.destroy();
      await reference.machine.destroy();
    }
  }, 60_000);

  it("gives the same machine from the state without RAM's pages, which it writes", async () => {
    const ramless = ramlessOf(files.state)!;
    expect(ramless).not.toBeNull();
    expect(ramless.state.length).toBeLessThan(files.state.length / 4); // (RAM is most of it)
    const reference = await restored(true);
    const written = await restored(false, { ...files, state: ramless.state, ram: ramless });
    const later = await restored(true);
    try {
      expect(Buffer.compare(written.ram, reference.ram)).toBe(0);
      // The rest of the machine too: what it saves differs from the first reference's save only
      // where a reference made after it differs too (the clocks: 13 bytes).
      const [first, saved, last] = [await reference.machine.save(), await written.machine.save(), await later.machine.save()];
      const clocks = new Set(differences(first, last));
      expect(clocks.size).toBeLessThan(64);
      expect(differences(first, saved).filter((at) => !clocks.has(at))).toEqual([]);
    } finally {
      for (const { machine } of [reference, written, later]) await machine.destroy();
    }
  }, 60_000);
});
