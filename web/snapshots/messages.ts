// What the learner is told when a snapshot action fails, by the rejection's code (worker/errors.ts).
import type { VmErrorInfo } from "../../worker/api";

export type SnapshotAction = "save" | "autosave" | "restore" | "resume" | "rename" | "delete" | "export" | "import" | "list";

const VERB: Record<SnapshotAction, string> = {
  save: "save the snapshot",
  autosave: "save the machine automatically",
  restore: "restore the snapshot",
  resume: "resume your machine",
  rename: "rename the snapshot",
  delete: "delete the snapshot",
  export: "export the snapshot",
  import: "import the file",
  list: "list the snapshots",
};

const KEPT = "Your other snapshots are intact and the machine runs on as it was.";

export function snapshotMessage(action: SnapshotAction, error: VmErrorInfo): string {
  // (a failed resume started a fresh machine: "the machine runs on as it was" would not be true)
  const kept = action === "resume" ? "" : ` ${KEPT}`;
  switch (error.code) {
    case "quota-exceeded":
      return `The browser's storage for this site is full, so the snapshot was not saved. Your earlier snapshots are intact and the machine runs on: delete snapshots you no longer need, then save again.`;
    case "storage-unavailable":
      return `Snapshots are not available here: the browser keeps no storage for the lab in this page (in a frame of another site, it may block storage). The machine runs as usual; open the lab on its own page to keep your work.`;
    case "bad-snapshot":
      return action === "import"
        ? `This file is not a Contained snapshot, or it is damaged (${error.message}). Nothing was imported. ${KEPT}`
        : `This snapshot is damaged and cannot be restored (${error.message}). It is kept, in case you want to export or delete it.${kept}`;
    case "snapshot-mismatch":
      return action === "import"
        ? `This snapshot was made by another version of the lab's machine (${error.message}) and cannot be used here. Nothing was imported. ${KEPT}`
        : `This snapshot belongs to an older image of the lab's machine (${error.message}) and cannot be restored here. It is kept.${kept}`;
    case "no-such-snapshot":
      return `That snapshot is no longer stored (deleted, perhaps in another tab of the lab).`;
    case "abandoned":
      return `The machine was restored or reset while it ran, so the lab gave it up. Try again.`;
    case "not-running":
      return `The machine is not running yet: wait until it is, then ${VERB[action]} again.`;
    default:
      return `Could not ${VERB[action]}: ${error.message}`;
  }
}
