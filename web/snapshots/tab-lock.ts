// One tab of the lab owns the learner's automatic snapshots: the first one open, holding a Web
// Lock for its life. Another tab runs a machine of its own from the pre-booted state, does not
// resume and does not save automatically (two machines saving over one "latest" would make a
// resume pick whichever saved last); its learner can still save and restore named snapshots.
const LOCK = "contained-lab-owner";

/** True when this tab owns the lab (or the browser has no Web Locks: then every tab does). */
export function claimLab(locks: LockManager | undefined = globalThis.navigator?.locks): Promise<boolean> {
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    locks
      .request(LOCK, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // held until the tab closes
        return lock ? new Promise<void>(() => {}) : undefined;
      })
      .catch(() => resolve(true));
  });
}

/** Where the page keeps the id of the latest automatic snapshot, for the next visit's early start. */
export const LATEST_KEY = "contained:latest-automatic-snapshot";

export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Which snapshot the machine starts from: the latest automatic one, unless this tab does not own
 * the lab, or the URL asks for a fresh machine (`?fresh`).
 */
export function resumeChoice(storage: KeyValue | null, owner: boolean, params: URLSearchParams): string | undefined {
  if (!owner || params.has("fresh")) return undefined;
  try {
    return storage?.getItem(LATEST_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
