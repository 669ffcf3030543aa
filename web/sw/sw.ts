// The service worker: the whole lab from the browser's caches, so that after one visit it works
// with the network off and a repeat visit downloads nothing but this file's update check.
//  - install: every file of this build (vite-plugin-pwa injects the list, each with its sha256)
//    into a cache of its own, and the files a start needs from the guest image (firmware, the
//    pre-booted state) into the image's cache. Each file is checked against its sha256; a file
//    that does not match (a deploy half done, a cache serving an old copy) fails the install,
//    and the version before stays in charge. Files the last version had already are copied,
//    not downloaded again.
//  - waiting: a new version waits until the learner reloads (the page offers it): a page never
//    runs on a mix of two versions' files.
//  - activate: older versions' caches, and images no longer shipped, are deleted.
//  - fetch: this build's files and the image's files come from the caches (the disk's chunks are
//    stored by the page, web/offline/image-fill.ts); anything else goes to the network as usual.
/// <reference lib="webworker" />
import { APP_CACHE_PREFIX, IMAGE_CACHE_PREFIX, SKIP_WAITING, imageCacheName, sha256Hex, stringHash, type ImageFiles } from "../offline/caches";

interface PrecacheEntry {
  url: string;
  /** sha256 of the file, hex (vite.config.ts computes it) */
  revision: string;
}

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: PrecacheEntry[] };
declare const __CONTAINED_IMAGE__: ImageFiles | null;
declare const __CONTAINED_BUILD__: string;

const entries = self.__WB_MANIFEST;
const image = __CONTAINED_IMAGE__;
const scope = self.registration.scope;
const appCache = APP_CACHE_PREFIX + stringHash(JSON.stringify(entries));
const appUrls = new Map(entries.map((entry) => [new URL(entry.url, scope).href, entry.revision]));

/**
 * Whether `body` is the file this version lists. A page is also taken when its sha256 differs
 * but it carries this build's id: some hosts inject a snippet into HTML (analytics), and
 * requiring the exact bytes there would leave such a site with no offline copy at all.
 */
async function isListedFile(url: string, body: ArrayBuffer, revision: string): Promise<boolean> {
  if ((await sha256Hex(body)) === revision) return true;
  return url.endsWith(".html") && new TextDecoder().decode(body).includes(`<meta name="contained-build" content="${__CONTAINED_BUILD__}"`);
}

/** A response to keep: only the body and the headers that matter (a redirected response cannot answer a navigation). */
function keepable(body: ArrayBuffer, from: Response): Response {
  const headers = new Headers({ "Content-Type": from.headers.get("Content-Type") ?? "application/octet-stream", "Content-Length": String(body.byteLength) });
  return new Response(body, { status: 200, headers });
}

/**
 * Puts the file `url` (whose sha256 is `revision`) into `cache`: copied from an older cache when
 * one has it, else fetched (first as `mode` says, then past the HTTP cache if that copy was
 * not the right one).
 */
async function keep(cache: Cache, url: string, revision: string, older: Cache[], mode: RequestCache): Promise<void> {
  for (const source of [cache, ...older]) {
    const kept = await source.match(url);
    if (!kept) continue;
    const body = await kept.arrayBuffer();
    if (await isListedFile(url, body, revision)) {
      if (source !== cache) await cache.put(url, keepable(body, kept));
      return;
    }
  }
  for (const cacheMode of [mode, "reload"] as const) {
    const response = await fetch(url, { cache: cacheMode, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const body = await response.arrayBuffer();
    if (await isListedFile(url, body, revision)) {
      await cache.put(url, keepable(body, response));
      return;
    }
  }
  throw new Error(`${url} is not the file this version lists (is a new version being deployed?)`);
}

async function olderCaches(prefix: string, current: string): Promise<Cache[]> {
  const names = (await caches.keys()).filter((name) => name.startsWith(prefix) && name !== current);
  return Promise.all(names.map((name) => caches.open(name)));
}

async function install(): Promise<void> {
  const cache = await caches.open(appCache);
  const older = await olderCaches(APP_CACHE_PREFIX, appCache);
  // (a few at a time: the build is some 30 files, one of them 2 MB)
  const queue = [...appUrls];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await keep(cache, next[0], next[1], older, "no-cache");
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  if (!image) return;
  // The image's files are named by their sha256 in the manifest: a copy in the HTTP cache (the
  // page downloaded them a moment ago) is taken as it is, and checked.
  const images = await caches.open(imageCacheName(image.id));
  for (const file of image.files) await keep(images, new URL(`images/${file.path}`, scope).href, file.sha256, [], "force-cache");
}

async function activate(): Promise<void> {
  const current = image ? imageCacheName(image.id) : null;
  for (const name of await caches.keys()) {
    const stale = (name.startsWith(APP_CACHE_PREFIX) && name !== appCache) || (name.startsWith(IMAGE_CACHE_PREFIX) && name !== current);
    if (stale) await caches.delete(name);
  }
  await self.clients.claim();
}

async function fromCache(cacheName: string, key: string, request: Request): Promise<Response> {
  const cache = await caches.open(cacheName);
  return (await cache.match(key)) ?? fetch(request);
}

self.addEventListener("install", (event) => event.waitUntil(install()));
self.addEventListener("activate", (event) => event.waitUntil(activate()));
self.addEventListener("message", (event) => {
  if ((event.data as { type?: unknown } | null)?.type === SKIP_WAITING) void self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(scope)) return;
  const url = new URL(request.url);
  // A page's query (?lesson=...) names no other file.
  const path = url.origin + url.pathname;
  const appUrl = path === scope ? `${scope}index.html` : path;
  if (appUrls.has(appUrl)) event.respondWith(fromCache(appCache, appUrl, request));
  else if (image && path.startsWith(`${scope}images/out/`)) event.respondWith(fromCache(imageCacheName(image.id), path, request));
});
