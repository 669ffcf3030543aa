// How the snapshot manager words a snapshot and the storage it uses.
import type { LessonPlace, SnapshotSummary, StorageEstimate } from "../../worker/api";
import { formatBytes } from "../files/transfer";
import type { Persistence } from "./shelf.svelte";

export function placeLabel(place: LessonPlace | undefined, lessonTitle: (id: string) => string | undefined): string {
  if (!place) return "";
  return `${lessonTitle(place.lesson) ?? place.lesson}, step ${place.step + 1}`;
}

export function kindLabel(summary: SnapshotSummary): string {
  return summary.kind === "auto" ? "automatic" : "named";
}

export function storageLabel(estimate: StorageEstimate | null): string {
  if (!estimate) return "";
  const used = `Snapshots use ${formatBytes(estimate.snapshotBytes)}`;
  if (estimate.usage === null || estimate.quota === null) return `${used}.`;
  return `${used}; this site uses ${formatBytes(estimate.usage)} of the ${formatBytes(estimate.quota)} the browser allows it.`;
}

export function persistenceLabel(persistence: Persistence): string {
  switch (persistence) {
    case "granted":
      return "The browser keeps these snapshots until you clear this site's data.";
    case "refused":
      return "The browser did not grant persistent storage: it may delete these snapshots when space runs low. Export the ones you want to keep.";
    case "unavailable":
      return "This browser cannot promise to keep them: export the ones you want to keep.";
    default:
      return "";
  }
}
