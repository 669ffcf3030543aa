/// <reference types="vite/client" />
/// <reference types="svelte" />
/// <reference types="vite-plugin-pwa/vanillajs" />

/** What this build is (vite.config.ts: CONTAINED_BUILD, or the version and commit). */
declare const __CONTAINED_BUILD__: string;
/** The guest image this build ships, for the offline caches (null before the images are built). */
declare const __CONTAINED_IMAGE__: import("./offline/caches").ImageFiles | null;
