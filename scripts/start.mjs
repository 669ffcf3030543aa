// `npm start`: builds the site if dist/ is missing or older than its sources, then serves dist/
// on localhost and prints the address.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build, preview } from "vite";

const root = new URL("..", import.meta.url).pathname;
// (vite 8 warns at every config load that a future major will load configs natively, which would
// want `.ts` on the config's imports: a note for us, not for someone starting the lab)
process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= "true";
const SOURCES = [
  "index.html",
  "embed.html",
  "web",
  "worker",
  "public",
  "vite.config.ts",
  "svelte.config.js",
  "package.json",
  "images/manifest.json",
  "images/out",
];

/** The newest modification time under `path` (0 if it does not exist). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const dist = join(root, "dist", "index.html");
const sourcesChanged = Math.max(...SOURCES.map((s) => newest(join(root, s))));
if (!existsSync(join(root, "images", "manifest.json"))) {
  console.warn("images/manifest.json is missing: the page will load, but there is no machine to boot (npm run images builds it).");
} else if (!existsSync(join(root, "images", "out", "state.bin.zst"))) {
  console.warn("images/out/state.bin.zst is missing: the machine boots from its kernel, which is slower (npm run preboot saves a state).");
}
if (!existsSync(dist) || statSync(dist).mtimeMs < sourcesChanged) {
  console.log(existsSync(dist) ? "Sources changed since the last build: building…" : "Building the site…");
  await build({ root, logLevel: "warn" });
}

const server = await preview({ root, preview: { port: 4173, strictPort: false, open: false } });
console.log("\nContained is ready:");
server.printUrls();
