// What snapshots need from a start: the pre-booted state the machine started from (snapshots
// share its blocks without storing them), and a stored snapshot to start from instead of it.
import type { StartOptions, VmErrorInfo } from "./api";
import { loadCheckedState, type StateCandidate } from "./boot-files";
import { VmError, vmErrorInfo } from "./errors";
import type { MachineFiles } from "./machine";
import { hasCurrentState, type Manifest } from "./manifest";
import type { SnapshotStores, StoredSnapshot } from "./snapshot-store";
import { ramlessOf, type RamlessState } from "./ramless-state";
import type { KeptState } from "./state-cache";
import { identity, readStoredEarly, startStateOf, type BaseState, type StoredBlocks } from "./snapshots";
import { isV86State } from "./state-blocks";

/** What a start loaded, kept for reset(). */
export interface Loaded {
  manifest: Manifest;
  options: StartOptions;
  /** (`state`: the pre-booted state, once loaded: a resume from the whole copy loads it after the prompt, and `base` resolves then) */
  files: MachineFiles;
  base?: Promise<void>;
}

/**
 * A snapshot to start from, or why it cannot be. `read`: ms this start waited for the
 * snapshot's blocks (read from storage as the boot files load); `assemble`: ms to put its state
 * together; `problem`: resolves to what is wrong with it (a block not what its name says, or the
 * pre-booted state it builds on not the right one), or null: checked as the machine is
 * created from it, as a pre-booted state is (vm-service.ts throws that machine away if not null).
 */
export type Resume =
  | { record: StoredSnapshot; state: RamlessState; read: number; assemble: number; problem: Promise<VmErrorInfo | null>; from: "copy" | "blocks" }
  | { error: VmErrorInfo };

/** The pre-booted state this machine started from, if it did. */
export function startedFrom(loaded: Loaded | null): BaseState | null {
  const { manifest, files } = loaded ?? {};
  return manifest && files?.state && hasCurrentState(manifest) ? { sha256: manifest.state.sha256, raw: files.state } : null;
}

/** The pre-booted state named `sha256`, loaded if the machine did not start from it; null if it is not this image's. */
export function baseLoader(loaded: () => Loaded | null): (sha256: string) => Promise<BaseState | null> {
  return async (sha256) => {
    await loaded()?.base;
    const now = loaded();
    const started = startedFrom(now);
    if (started?.sha256 === sha256) return started;
    if (!now || !hasCurrentState(now.manifest) || now.manifest.state.sha256 !== sha256) return null;
    return { sha256, raw: await loadCheckedState(now.options.imagesBase, now.manifest.state, now.files.wasm, () => {}) };
  };
}

/** A snapshot being read to start from: its blocks and record, or its record alone, for a manifest. */
export interface ResumeReading {
  blocks(manifest: Manifest): Promise<StoredBlocks>;
  record(manifest: Manifest): Promise<StoredSnapshot>;
}

/**
 * Begins reading the snapshot to start from as the start begins, before the manifest is in:
 * its record and stored blocks come out of storage while the manifest and the boot files load
 * (its blocks only if `blocksWanted` resolves true: not when its whole copy is there).
 * Whether it is for this machine is checked once the manifest is known (resumeState).
 */
export function readForResume(id: string, stores: SnapshotStores, blocksWanted?: Promise<boolean>): ResumeReading {
  const read = readStoredEarly(id, stores, blocksWanted);
  return { blocks: (manifest) => read(identity(manifest)), record: (manifest) => read.record(identity(manifest)) };
}

/**
 * The snapshot to start from, from its whole copy (resume-copy.ts), the copy checked as the
 * machine restores from it; or why it cannot be (its record says it is for another machine).
 * null if the copy is not laid out as a state should be.
 */
export async function copyResume(reading: ResumeReading, copy: KeptState & { read: number }, manifest: Manifest): Promise<Resume | null> {
  const t0 = performance.now();
  try {
    const record = await reading.record(manifest);
    const state = ramlessOf(copy.data);
    if (!state) return null;
    const problem = copy.intact.then((ok): VmErrorInfo | null => (ok ? null : { code: "bad-state", message: "the copy of the snapshot is damaged" }));
    return { record, state, read: copy.read, assemble: performance.now() - t0, problem, from: "copy" };
  } catch (e) {
    return { error: vmErrorInfo(e) };
  }
}

/** The state of the snapshot to start from, and its check under way; or why it cannot be. */
export async function resumeState(reading: ResumeReading, loaded: Loaded, unchecked?: StateCandidate): Promise<Resume> {
  const t0 = performance.now();
  try {
    const read = await reading.blocks(loaded.manifest);
    const t1 = performance.now();
    const { state, checked } = await startStateOf(
      read,
      baseLoader(() => loaded),
    );
    if (!isV86State(state.state)) throw new VmError("bad-snapshot", `the snapshot "${read.record.header.name}" does not hold a machine's state`);
    // Its blocks may be the pre-booted state's: that state must be the right one too.
    const baseProblem = read.record.base && unchecked ? Promise.resolve(unchecked.problem) : Promise.resolve(null);
    const problem = Promise.all([checked, baseProblem])
      .then(([blocks, base]): VmErrorInfo | null =>
        blocks ? vmErrorInfo(blocks) : base !== null ? { code: "bad-state", message: "the pre-booted state it builds on has to be loaded again" } : null,
      )
      .catch((e: unknown) => vmErrorInfo(e));
    return { record: read.record, state, read: t1 - t0, assemble: performance.now() - t1, problem, from: "blocks" };
  } catch (e) {
    return { error: vmErrorInfo(e) };
  }
}
