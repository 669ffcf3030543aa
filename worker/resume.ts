// What snapshots need from a start: the pre-booted state the machine started from (snapshots
// share its blocks without storing them), and a stored snapshot to start from instead of it.
import type { StartOptions, VmErrorInfo } from "./api";
import { loadCheckedState, type StateCandidate } from "./boot-files";
import { VmError, vmErrorInfo } from "./errors";
import type { MachineFiles } from "./machine";
import { hasCurrentState, type Manifest } from "./manifest";
import type { SnapshotStores, StoredSnapshot } from "./snapshot-store";
import { identity, storedState, type BaseState } from "./snapshots";
import { isV86State } from "./state-blocks";

/** What a start loaded, kept for reset(). */
export interface Loaded {
  manifest: Manifest;
  options: StartOptions;
  files: MachineFiles;
}

/** A snapshot to start from, checked, or why it cannot be. */
export type Resume = { record: StoredSnapshot; state: Uint8Array; read: number } | { error: VmErrorInfo };

/** The pre-booted state this machine started from, if it did. */
export function startedFrom(loaded: Loaded | null): BaseState | null {
  const { manifest, files } = loaded ?? {};
  return manifest && files?.state && hasCurrentState(manifest) ? { sha256: manifest.state.sha256, raw: files.state } : null;
}

/** The pre-booted state named `sha256`, loaded if the machine did not start from it; null if it is not this image's. */
export function baseLoader(loaded: () => Loaded | null): (sha256: string) => Promise<BaseState | null> {
  return async (sha256) => {
    const now = loaded();
    const started = startedFrom(now);
    if (started?.sha256 === sha256) return started;
    if (!now || !hasCurrentState(now.manifest) || now.manifest.state.sha256 !== sha256) return null;
    return { sha256, raw: await loadCheckedState(now.options.imagesBase, now.manifest.state, now.files.wasm, () => {}) };
  };
}

/** The state of the snapshot to start from, checked; or why it cannot be. */
export async function resumeState(id: string, loaded: Loaded | null, stores: SnapshotStores, unchecked?: StateCandidate): Promise<Resume> {
  try {
    if (!loaded) throw new VmError("internal", "nothing was loaded");
    // Its blocks may be the pre-booted state's: that state must be the right one first.
    if (unchecked && (await unchecked.problem) !== null) throw new VmError("bad-state", "the pre-booted state it builds on has to be loaded again");
    const { record, state, read } = await storedState(id, identity(loaded.manifest), stores, baseLoader(() => loaded));
    if (!isV86State(state)) throw new VmError("bad-snapshot", `the snapshot "${record.header.name}" does not hold a machine's state`);
    return { record, state, read };
  } catch (e) {
    return { error: vmErrorInfo(e) };
  }
}
