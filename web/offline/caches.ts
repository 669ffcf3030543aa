// The caches that make the lab work offline, shared by the service worker (web/sw/) and the page
// (image-fill.ts). No DOM and no service-worker types here: both sides compile it.
//  - contained-app-<key>: the app of one build (HTML, JS, CSS, v86.wasm, icons, images/manifest.json),
//    written whole by a service worker's install; <key> is a hash of the build's file list.
//  - contained-image-<id>: the files of one guest image (firmware, pre-booted state, disk index and
//    chunks), each checked against its sha256 before it is stored; shared by every build of the
//    same image, so an app update downloads no disk again.

export const APP_CACHE_PREFIX = "contained-app-";
export const IMAGE_CACHE_PREFIX = "contained-image-";

export function imageCacheName(imageId: string): string {
  return IMAGE_CACHE_PREFIX + imageId;
}

/** Stored in an image's cache once all of its disk is: the image works offline. */
export const IMAGE_COMPLETE_PATH = "images/.offline-complete";

/** What the service worker knows of the image its build ships (vite.config.ts defines it). */
export interface ImageFiles {
  id: string;
  /** The files a start needs (firmware, and the pre-booted state or the kernel), under images/. */
  files: Array<{ path: string; sha256: string; size: number }>;
}

/** The message a page posts to a waiting service worker to have it take over (workbox-window's). */
export const SKIP_WAITING = "SKIP_WAITING";

/** A short, stable hash of a string (cyrb53): names a build's app cache after its file list. */
export function stringHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

export async function sha256Hex(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
