// A state taken while the guest waits for its disk: v86 saves the disk's command in flight but
// not the read behind it (the host's fetch of a chunk), so a machine restored from it, as the
// next visit resumes a snapshot in a new worker, waited for a read no one made until Linux gave
// up on the command after 30 s and reset the disk ("resumes in 30 s", two CI runs in four). A
// save now waits for the reads in flight (Machine.save), and a restore of a state taken mid-read
// (a snapshot stored before) makes the read again (resumeDiskRead). Here the disk's fetches are
// held back until the state is taken, the state is restored into a second machine, and the
// guest there says whether its disk ever timed out (libata's error handling logs it).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadRaw } from "../../worker/artifacts";
import { Machine } from "../../worker/machine";
import { parseManifest, type PortEntry } from "../../worker/manifest";
import { decompressFrames } from "../../worker/state-frames";
import { WasmZstd } from "../../worker/zstd";

const images = new URL("../../images/", import.meta.url).pathname;
const manifest = parseManifest(JSON.parse(readFileSync(`${images}manifest.json`, "utf8")));
const wasm = new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("v86/build/v86.wasm")));
const files = {
  wasm,
  bios: readFileSync(`${images}${manifest.files.bios.path}`),
  vgaBios: readFileSync(`${images}${manifest.files.vgaBios.path}`),
  state: decompressFrames(manifest.state!.frames, manifest.state!.rawSize, readFileSync(`${images}${manifest.state!.path}`), new WasmZstd(wasm)),
};
const shell: PortEntry = manifest.ports.main;

/** What the learner's shell prints, and a wait for a line of it. */
function screen(machine: Machine): { text: () => string; waitFor: (pattern: RegExp, timeoutMs: number) => Promise<RegExpMatchArray> } {
  let text = "";
  machine.onOutput(shell, (bytes) => (text += Buffer.from(bytes).toString("latin1")));
  return {
    text: () => text,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = setInterval(() => {
          const match = text.match(pattern);
          if (match || Date.now() > deadline) {
            clearInterval(poll);
            if (match) resolve(match);
            else reject(new Error(`no ${pattern}; the shell ends with ${JSON.stringify(text.slice(-300))}`));
          }
        }, 20);
      }),
  };
}

const type = (machine: Machine, line: string) => machine.type(shell, new TextEncoder().encode(line + "\n"));

/**
 * A machine whose guest reads its disk with the reads held back, the state `take` takes from it
 * meanwhile restored into a second machine: how many disk errors that guest logged once the
 * reading command had finished there.
 */
async function errorsAfterRestore(take: (machine: Machine) => Promise<Uint8Array>): Promise<string> {
  // Every chunk's fetch waits until `release` (the guest's reads wait with it).
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const loadChunk = async (_: number, url: string) => {
    const data = await loadRaw(url);
    await released;
    return data;
  };
  const first = await Machine.create(manifest, images, files, () => {}, { loadChunk });
  let second: Machine | null = null;
  try {
    screen(first);
    // (the command's marker is computed, so its echo does not count as its output)
    type(first, "cat /usr/bin/pgrep /bin/ls > /dev/null; echo READ-$((6 * 7))");
    for (let i = 0; first.disk.readsInFlight === 0; i++) {
      if (i > 3000) throw new Error("the guest never read its disk");
      await new Promise((r) => setTimeout(r, 10));
    }
    const taking = take(first);
    release();
    const state = await taking;

    second = await Machine.create(manifest, images, { ...files, state }, () => {});
    const restored = screen(second);
    // Without the fix, this came after Linux's 30 s timeout and a reset of the disk.
    await restored.waitFor(/^READ-42\r?$/m, 90_000);
    type(second, "echo ERRORS=$(dmesg | grep -ciE 'exception|failed command|resetting|timeout')-END");
    const [, errors] = await restored.waitFor(/ERRORS=(\d+)-END/, 60_000);
    if (errors !== "0") console.log(restored.text().slice(-3000));
    return errors;
  } finally {
    await first.destroy();
    await second?.destroy();
  }
}

describe("a machine's state taken while the guest reads its disk", () => {
  it("is taken once the read is done (Machine.save): restored, the guest's disk never times out", async () => {
    expect(await errorsAfterRestore((machine) => machine.save())).toBe("0");
  }, 180_000);

  it("taken mid-read (as snapshots stored before were), restored: the read is made again, the disk never times out", async () => {
    expect(await errorsAfterRestore(async (machine) => new Uint8Array(await machine.emulator.save_state()))).toBe("0");
  }, 180_000);
});
