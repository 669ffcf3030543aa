import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cp, mkdir, copyFile } from "node:fs/promises";
import { join, normalize, resolve, sep } from "node:path";
import { defineConfig } from "vitest/config";
import { build as viteBuild, type Plugin, type ResolvedConfig, type Rolldown } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { VitePWA, type ManifestOptions } from "vite-plugin-pwa";
import { LESSONS_DIR, readLessons } from "./scripts/lesson-files";
import type { ImageFiles } from "./web/offline/caches";
import { hasCurrentState, parseManifest } from "./worker/manifest";

// The guest image is published at `<base>images/`: only the manifest and the built artifacts
// (images/out/**), never the sources it is built from (images/kernel, images/rootfs, images/agent).
const PUBLISHED = ["manifest.json", "out"];

function contentType(path: string): string {
  if (path.endsWith(".json")) return "application/json";
  return "application/octet-stream";
}

/** The file under `imagesDir` a request path names, or null when it is not published. */
function publishedFile(imagesDir: string, requestPath: string): string | null {
  const relative = normalize(decodeURIComponent(requestPath)).replace(/^[/\\]+/, "");
  if (relative.split(sep).includes("..")) return null;
  if (!PUBLISHED.some((p) => relative === p || relative.startsWith(p + sep) || relative.startsWith(p + "/"))) return null;
  const file = join(imagesDir, relative);
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

/** v86 and worker/artifacts.ts carry Node-only branches (fs, crypto) the browser never takes. */
function quietNodeBranches(level: Rolldown.LogLevel, log: Rolldown.RollupLog, handler: (level: Rolldown.LogLevel, log: Rolldown.RollupLog) => void): void {
  if (log.message.includes("externalized for browser compatibility") || log.code === "INEFFECTIVE_DYNAMIC_IMPORT") return;
  handler(level, log);
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Serves `<base>images/` from `imagesDir`: only published files, with their types and sizes,
 * and never compressed on the fly (`vite preview` gzips what it cannot type: that made the
 * zstd state bigger and cost its server a quarter of a second per visit).
 */
function serveImages(imagesDir: string): Middleware {
  return (req, res, next) => {
    // (the path as sent: `new URL` of a path such as "//" throws)
    const pathname = (req.url ?? "/").split(/[?#]/)[0];
    const prefix = "/images/";
    if (!pathname.startsWith(prefix)) return next();
    let file: string | null = null;
    try {
      file = publishedFile(imagesDir, pathname.slice(prefix.length));
    } catch {
      // a malformed escape (decodeURIComponent): not a published file either
    }
    if (!file) {
      res.statusCode = 404;
      res.end("not a published image file");
      return;
    }
    res.setHeader("Content-Type", contentType(file));
    res.setHeader("Content-Length", String(statSync(file).size));
    res.setHeader("Cache-Control", "no-cache");
    createReadStream(file).pipe(res);
  };
}

/** Serves the published image files in dev and preview, and copies them into the built site. */
function imagesPlugin(imagesDir = resolve("images")): Plugin {
  let config: ResolvedConfig;
  return {
    name: "contained-images",
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use(serveImages(imagesDir));
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveImages(join(resolve(config.root, config.build.outDir), "images")));
    },
    async writeBundle() {
      const target = join(resolve(config.root, config.build.outDir), "images");
      const manifest = join(imagesDir, "manifest.json");
      if (!existsSync(manifest)) {
        config.logger.warn("images/manifest.json does not exist yet: the built site has no machine to boot");
        return;
      }
      await mkdir(target, { recursive: true });
      await copyFile(manifest, join(target, "manifest.json"));
      if (existsSync(join(imagesDir, "out"))) await cp(join(imagesDir, "out"), join(target, "out"), { recursive: true });
    },
  };
}

/** The lessons are checked when the site builds: a malformed one fails the build, naming its file. */
function lessonsPlugin(): Plugin {
  return {
    name: "contained-lessons",
    buildStart() {
      try {
        readLessons();
      } catch (e) {
        this.error(`web/lessons: ${(e as Error).message}`);
      }
      this.addWatchFile(LESSONS_DIR);
    },
  };
}

/**
 * What this build is, shown to the learner and compared by the service worker:
 * `CONTAINED_BUILD` when set (a deploy, or a test that builds twice), else the version and commit.
 */
function buildId(): string {
  if (process.env.CONTAINED_BUILD) return process.env.CONTAINED_BUILD;
  const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
  try {
    const commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `${version}+${commit}`;
  } catch {
    return version;
  }
}

/** The guest image's files a start needs, for the service worker to keep (null before `npm run images`). */
function imageFiles(): ImageFiles | null {
  const path = resolve("images/manifest.json");
  if (!existsSync(path)) return null;
  const manifest = parseManifest(JSON.parse(readFileSync(path, "utf8")));
  const boot = hasCurrentState(manifest) ? manifest.state : manifest.files.kernel;
  return { id: manifest.id, files: [manifest.files.bios, manifest.files.vgaBios, boot].map(({ path, sha256, size }) => ({ path, sha256, size })) };
}

const BUILD = buildId();
/** The built site's directory, once known (the service worker's file list hashes the files there). */
let outDir = resolve("dist");

/**
 * The page's Content Security Policy: scripts from the site only (and WebAssembly), so nothing in
 * a lesson's Markdown can run even if it got past the sanitizer (web/lessons/sanitize.ts). A
 * <meta> tag, so that it needs no special headers from the host. Build only: Vite's dev server
 * injects its own scripts.
 */
const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'; form-action 'none'";

function pagesPlugin(): Plugin {
  let command: "build" | "serve" = "serve";
  return {
    name: "contained-pages",
    configResolved(resolved) {
      command = resolved.command;
      outDir = resolve(resolved.root, resolved.build.outDir);
    },
    transformIndexHtml() {
      const tags: Array<{ tag: string; attrs: Record<string, string>; injectTo: "head" | "head-prepend" }> = [
        { tag: "meta", attrs: { name: "contained-build", content: BUILD }, injectTo: "head-prepend" },
      ];
      if (command === "build") {
        tags.push({ tag: "meta", attrs: { "http-equiv": "Content-Security-Policy", content: CSP }, injectTo: "head-prepend" });
        tags.push({ tag: "link", attrs: { rel: "manifest", href: "./manifest.webmanifest" }, injectTo: "head" });
      }
      return tags;
    },
    // The web app manifest (written here, not by vite-plugin-pwa, whose copy would be listed for
    // the service worker with an MD5 instead of the sha256 it checks).
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "manifest.webmanifest", source: JSON.stringify(WEB_MANIFEST, null, 2) });
    },
  };
}

const EMBED_ELEMENT = "web/embed/element.ts";

/**
 * `embed.js`, the one script a docs site includes: the <contained-lab> element, built on its own
 * as a classic script (so it loads with or without type="module", and a host needs no CORS
 * headers for it) with a name that never changes. Served from its source in dev.
 */
function embedScriptPlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: "contained-embed-script",
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if ((req.url ?? "").split("?")[0] !== "/embed.js") return next();
        server
          .transformRequest(`/${EMBED_ELEMENT}`)
          .then((result) => {
            res.setHeader("Content-Type", "text/javascript");
            res.end(result?.code ?? "");
          })
          .catch(next);
      });
    },
    async writeBundle() {
      await viteBuild({
        configFile: false,
        root: config.root,
        logLevel: "warn",
        publicDir: false,
        build: {
          outDir: resolve(config.root, config.build.outDir),
          emptyOutDir: false,
          target: "es2022",
          lib: { entry: resolve(config.root, EMBED_ELEMENT), formats: ["iife"], name: "ContainedLab", fileName: () => "embed.js" },
        },
      });
    },
  };
}

/** The service worker's file list gives each file its sha256, which the worker checks (web/sw/sw.ts). */
async function sha256Revisions(entries: Array<{ url: string; revision: string | null; size: number }>) {
  const manifest = entries.map((entry) => ({
    ...entry,
    revision: createHash("sha256")
      .update(readFileSync(join(outDir, decodeURIComponent(entry.url))))
      .digest("hex"),
  }));
  return { manifest, warnings: [] };
}

const WEB_MANIFEST: Partial<ManifestOptions> = {
  id: "./",
  lang: "en",
  name: "Contained: a Linux lab for learning how containers work",
  short_name: "Contained",
  description: "A real x86 Linux in your browser, for learning how containers work: chroot, namespaces, cgroups. Works offline.",
  start_url: "./",
  scope: "./",
  display: "standalone",
  background_color: "#15171c",
  theme_color: "#15171c",
  icons: [
    { src: "icons/icon-192.png", sizes: "192x192", type: "image/png" },
    { src: "icons/icon-512.png", sizes: "512x512", type: "image/png" },
    { src: "icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    { src: "icons/icon.svg", sizes: "any", type: "image/svg+xml" },
  ],
};

/**
 * The installable app and its service worker (web/sw/sw.ts, through vite-plugin-pwa's
 * injectManifest): the build's files are precached; the guest image's are not listed here
 * (they are kept in a cache of their own, by sha256: see w../offline/caches.ts).
 */
function offlinePlugin() {
  return VitePWA({
    strategies: "injectManifest",
    srcDir: "web/sw",
    filename: "sw.ts",
    registerType: "prompt",
    injectRegister: false,
    // (written by pagesPlugin)
    manifest: false,
    injectManifest: {
      rollupFormat: "iife",
      globPatterns: ["**/*.{html,js,css,wasm,svg,png,webmanifest}", "images/manifest.json"],
      // the disk and the state are the image's (above); the scripted fake is for development only
      globIgnores: ["images/out/**", "assets/fake-vm-*.js", "icons/icon-maskable.svg"],
      maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      manifestTransforms: [sha256Revisions],
    },
  });
}

export default defineConfig({
  // Relative, so the built site works from any path (docs sites embed it).
  base: "./",
  // Not a single-page app: a missing file (say images/manifest.json) is a 404, not index.html.
  appType: "mpa",
  define: {
    __CONTAINED_BUILD__: JSON.stringify(BUILD),
    __CONTAINED_IMAGE__: JSON.stringify(imageFiles()),
  },
  plugins: [svelte(), imagesPlugin(), lessonsPlugin(), pagesPlugin(), embedScriptPlugin(), offlinePlugin()],
  // (checks.bundlerTimings: a loaded machine made every build print which plugins were slow)
  worker: { format: "es", rolldownOptions: { onLog: quietNodeBranches, checks: { bundlerTimings: false } } },
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 2048,
    rolldownOptions: { onLog: quietNodeBranches, checks: { bundlerTimings: false }, input: { index: resolve("index.html"), embed: resolve("embed.html") } },
  },
  preview: { port: 4173, strictPort: true },
  test: {
    projects: [
      {
        extends: true,
        // Svelte's client runtime, so $state/$derived in *.svelte.ts behave as in the browser.
        resolve: { conditions: ["browser"] },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          expect: { requireAssertions: true },
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          pool: "forks",
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
