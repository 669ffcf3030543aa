// Which steps of each lesson the learner has done, kept across reloads. The page keeps it in
// localStorage; tests give a Map.

export interface ProgressStore {
  /** The ids of the lesson's steps done. */
  passed(lessonId: string): string[];
  setPassed(lessonId: string, stepIds: string[]): void;
}

const PREFIX = "contained:progress:";

/** Progress in `storage` (the page's localStorage): one key per lesson, a JSON list of step ids. */
export function storageProgress(storage: Pick<Storage, "getItem" | "setItem" | "removeItem">): ProgressStore {
  return {
    passed(lessonId) {
      try {
        const value: unknown = JSON.parse(storage.getItem(PREFIX + lessonId) ?? "[]");
        return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
      } catch {
        return []; // unreadable: as if nothing was done
      }
    },
    setPassed(lessonId, stepIds) {
      try {
        if (stepIds.length === 0) storage.removeItem(PREFIX + lessonId);
        else storage.setItem(PREFIX + lessonId, JSON.stringify(stepIds));
      } catch {
        // storage full or refused (private mode): progress lasts for this visit only
      }
    },
  };
}

/** Progress kept in memory only (tests, and pages where storage is unavailable). */
export function memoryProgress(): ProgressStore {
  const kept = new Map<string, string[]>();
  return {
    passed: (lessonId) => [...(kept.get(lessonId) ?? [])],
    setPassed: (lessonId, stepIds) => void kept.set(lessonId, [...stepIds]),
  };
}
