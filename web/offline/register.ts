// The page's side of the service worker (web/sw/sw.ts), through vite-plugin-pwa's registration
// (workbox-window): registers it, says when a new version waits, and has it take over when the
// learner asks (the page then reloads, on the new version's files only).
import { registerSW } from "virtual:pwa-register";

/** How often a page left open asks whether a new version was deployed. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

export interface ServiceWorkerEvents {
  /** A new version is installed and waits for the page to reload. */
  updateReady(): void;
  /** The service worker could not be registered or installed. */
  failed(message: string): void;
}

export interface ServiceWorkerControl {
  /** Resolves once a service worker controls the site (this version's files are all cached). */
  active: Promise<void>;
  /** Lets the waiting version take over; the page reloads when it has. */
  applyUpdate(): Promise<void>;
}

export function registerServiceWorker(events: ServiceWorkerEvents): ServiceWorkerControl {
  const applyUpdate = registerSW({
    immediate: true,
    onNeedRefresh: () => events.updateReady(),
    onRegisteredSW: (_url, registration) => {
      if (!registration) return;
      setInterval(() => {
        if (navigator.onLine && document.visibilityState === "visible") void registration.update().catch(() => {});
      }, UPDATE_CHECK_MS);
    },
    onRegisterError: (e: unknown) => events.failed(e instanceof Error ? e.message : String(e)),
  });
  return { active: navigator.serviceWorker.ready.then(() => {}), applyUpdate: () => applyUpdate(true) };
}
