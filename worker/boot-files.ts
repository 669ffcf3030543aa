// What a machine boots from, loaded and checked: the manifest, v86.wasm, the firmware, and the
// pre-booted state (the copy a first visit kept, else the download) or the kernel. Plain
// functions over the manifest: no machine, no events (progress goes to the callback given).
import type { CompiledWasm, StartOptions, StateSource } from "./api";
import { DownloadError, joinPath, loadRaw, loadUnchecked, loadVerified, loadWasm, type Progress } from "./artifacts";
import type { MachineFiles } from "./machine";
import { BadImageError, hasCurrentState, parseManifest, type FileEntry, type Manifest, type StateEntry } from "./manifest";
import { cacheState, keptState } from "./state-cache";
import { StateFrames, decompressFrames } from "./state-frames";
import { WasmZstd } from "./zstd";

/**
 * A start's state, maybe still being checked: `problem` resolves to what is wrong with it, or
 * null; it is what is wrong when that is known already.
 */
export interface StateCandidate {
  /** the raw state (decompressed) */
  data: Uint8Array;
  source: StateSource;
  problem: Promise<string | null> | string;
}

/** The files loaded, and when each part was done (ms since `t0`). */
export interface BootFiles {
  files: MachineFiles;
  /** From a state whose check may still be running. */
  unchecked?: StateCandidate;
  times: { wasm: number; boot: number; files: number };
}

/** Progress for a file, by name ("bios", "state", ...). */
export type FileProgress = (file: string) => Progress;

/**
 * The emulator's module (v86's JavaScript, most of the worker's code), loaded apart and asked
 * for as soon as the worker starts: the worker answers start() before it has compiled it, and
 * its downloads begin meanwhile.
 */
let machineModule: Promise<typeof import("./machine")> | null = null;
export function loadMachineModule(): Promise<typeof import("./machine")> {
  machineModule ??= import("./machine").catch((e: unknown) => {
    machineModule = null; // a retry asks again
    throw new DownloadError(`could not load the emulator's code: ${(e as Error).message}`);
  });
  return machineModule;
}

export async function loadManifest(imagesBase: string): Promise<Manifest> {
  const text = new TextDecoder().decode(await loadRaw(joinPath(imagesBase, "manifest.json")));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BadImageError("images/manifest.json is not valid JSON");
  }
  return parseManifest(json);
}

export async function loadBootFiles(
  manifest: Manifest,
  options: StartOptions,
  progress: FileProgress,
  t0: number,
  compiled?: CompiledWasm,
  /** if true, neither the pre-booted state nor the kernel: the machine starts from a snapshot's whole copy (resume-copy.ts) */
  fromCopy: Promise<boolean> = Promise.resolve(false),
): Promise<BootFiles> {
  const state = options.from !== "kernel" && hasCurrentState(manifest) ? manifest.state : undefined;
  if (options.from === "state" && !state) throw new BadImageError("there is no pre-booted state for this image");
  const load = (entry: FileEntry, file: string) => loadVerified(options.imagesBase, entry, progress(file));
  const loadV86Wasm = async () => (await compiled?.().catch(() => undefined)) ?? loadWasm(options.wasmPath, progress("v86.wasm"));
  const times = { wasm: 0, boot: 0, files: 0 };
  const timed = <T>(part: "wasm" | "boot", loading: Promise<T>) => loading.then((value) => ((times[part] = performance.now() - t0), value));
  const wasmLoading = timed("wasm", loadV86Wasm());
  const [wasm, bios, vgaBios, boot] = await Promise.all([
    wasmLoading,
    load(manifest.files.bios, "bios"),
    load(manifest.files.vgaBios, "vga-bios"),
    fromCopy.then((copy) =>
      copy && state
        ? null
        : timed<Uint8Array | StateCandidate>(
            "boot",
            state ? stateCandidate(options.imagesBase, state, progress("state"), wasmLoading) : load(manifest.files.kernel, "kernel"),
          ),
    ),
  ]);
  times.files = performance.now() - t0;
  if (!boot) return { files: { wasm, bios, vgaBios }, times };
  if (boot instanceof Uint8Array) return { files: { wasm, bios, vgaBios, kernel: boot }, times };
  return { files: { wasm, bios, vgaBios, state: boot.data }, unchecked: boot, times };
}

/**
 * The pre-booted state from the quickest place: the copy a first visit kept (a repeat visit),
 * else the download. The download begins only once no copy was found: begun alongside, it
 * slowed a repeat visit by up to 0.2 s (the browser took that long to open the kept copy while
 * it read the download from its cache).
 */
async function stateCandidate(imagesBase: string, entry: StateEntry, progress: Progress, wasm: Promise<WebAssembly.Module>): Promise<StateCandidate> {
  const kept = await keptState(entry.sha256, entry.rawSize);
  if (kept) return { data: kept.data, source: "cache", problem: kept.intact.then((ok) => (ok ? null : "the kept copy is damaged")) };
  // Decompressed frame by frame as it downloads (see state-frames.ts).
  const frames = new StateFrames(
    entry.frames,
    entry.rawSize,
    wasm.then((module) => WasmZstd.for(module)),
  );
  const file = await loadUnchecked(imagesBase, entry, progress, (data, loaded) => frames.feed(data, loaded));
  try {
    return { data: await frames.finish(file.data), source: "download", problem: file.problem };
  } catch (e) {
    // Damaged (or an older copy from the HTTP cache): it is loaded again, checked first.
    return { data: file.data, source: "download", problem: `the state could not be decompressed: ${(e as Error).message}` };
  }
}

/**
 * The pre-booted state, checked, for a machine that started from something else (a snapshot's
 * whole copy): the kept copy, else the download (then kept for the next visit).
 */
export async function loadPrebootedState(imagesBase: string, entry: StateEntry, wasm: WebAssembly.Module): Promise<Uint8Array> {
  const candidate = await stateCandidate(imagesBase, entry, () => {}, Promise.resolve(wasm));
  if ((await candidate.problem) !== null) return loadCheckedState(imagesBase, entry, wasm, () => {});
  if (candidate.source === "download") keepStateForNextVisit(entry, candidate.data);
  return candidate.data;
}

/** The pre-booted state downloaded again, checked before it is used (the candidate was not right). */
export async function loadCheckedState(imagesBase: string, state: StateEntry, wasm: WebAssembly.Module, progress: Progress): Promise<Uint8Array> {
  const file = await loadVerified(imagesBase, state, progress);
  try {
    return decompressFrames(state.frames, state.rawSize, file, WasmZstd.for(wasm));
  } catch (e) {
    throw new BadImageError(`${state.path} matches its sha256 but not its frames in the manifest: ${(e as Error).message}`);
  }
}

/** After a start from the downloaded state, and off its critical path: see state-cache.ts. */
export function keepStateForNextVisit(state: StateEntry, raw: Uint8Array): void {
  setTimeout(() => void cacheState(state.sha256, raw), 1000);
}
