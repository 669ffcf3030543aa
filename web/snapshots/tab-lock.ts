// One tab of the lab owns the learner's automatic snapshots: the first one open, holding a Web
// Lock for its life. Another tab runs a machine of its own from the pre-booted state, does not
// resume and does not save automatically (two machines saving over one "latest" would make a
// resume pick whichever saved last); its learner can still save and restore named snapshots.
// It waits in the lock's queue meanwhile: when the owning tab closes, it becomes the owner and
// saves automatically from then on (the one tab left is the one to resume).
const LOCK = "contained-lab-owner";

export interface LabClaim {
  /** Whether this tab owns the lab now (or the browser has no Web Locks: then every tab does). */
  owner: boolean;
  /** Resolves when this tab becomes the owner, the one before it closed (at once for an owner; never where the lock cannot be had). */
  becameOwner: Promise<void>;
}

const heldForever = () => new Promise<void>(() => {});

/** Claims the lab for this tab: at once if no other tab owns it, else once that tab closes. */
export function claimLab(locks: LockManager | undefined = globalThis.navigator?.locks): Promise<LabClaim> {
  if (!locks) return Promise.resolve({ owner: true, becameOwner: Promise.resolve() });
  return new Promise((resolve) => {
    locks
      .request(LOCK, { ifAvailable: true }, (lock) => {
        if (lock) {
          resolve({ owner: true, becameOwner: Promise.resolve() });
          return heldForever(); // held until the tab closes
        }
        // Another tab owns it: queue for it (the browser grants it when that tab closes).
        const becameOwner = new Promise<void>((granted) => {
          locks
            .request(LOCK, () => {
              granted();
              return heldForever();
            })
            .catch(() => {}); // (no lock to be had: this tab stays a second one)
        });
        resolve({ owner: false, becameOwner });
        return undefined;
      })
      .catch(() => resolve({ owner: true, becameOwner: Promise.resolve() }));
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
