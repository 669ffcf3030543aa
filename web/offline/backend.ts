// The browser's side of OfflineState: the service worker's registration and the disk's fill,
// loaded only once the lab has started (neither is needed for a first prompt).
import type { OfflineBackend } from "../state/offline.svelte";

/** Null where the lab cannot work offline (no service workers: an old browser, a private window in some). */
export function browserOfflineBackend(): OfflineBackend | null {
  if (!("serviceWorker" in navigator) || typeof caches === "undefined") return null;
  const base = new URL("./", document.baseURI).href;
  const image = __CONTAINED_IMAGE__;
  return {
    register: async (events) => (await import("./register")).registerServiceWorker(events),
    fill: async (onProgress) => (image ? (await import("./fill-remote")).fillImageOffThread(base, image.id, onProgress) : undefined),
    online: () => navigator.onLine,
    watchOnline(listener) {
      const on = () => listener(true);
      const off = () => listener(false);
      addEventListener("online", on);
      addEventListener("offline", off);
      return () => {
        removeEventListener("online", on);
        removeEventListener("offline", off);
      };
    },
  };
}
