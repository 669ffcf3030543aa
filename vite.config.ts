import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cp, mkdir, copyFile } from "node:fs/promises";
import { join, normalize, resolve, sep } from "node:path";
import { defineConfig } from "vitest/config";
import type { Plugin, ResolvedConfig, Rolldown } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { LESSONS_DIR, readLessons } from "./scripts/lesson-files";

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

export default defineConfig({
  // Relative, so the built site works from any path (docs sites embed it).
  base: "./",
  // Not a single-page app: a missing file (say images/manifest.json) is a 404, not index.html.
  appType: "mpa",
  plugins: [svelte(), imagesPlugin(), lessonsPlugin()],
  worker: { format: "es", rolldownOptions: { onLog: quietNodeBranches } },
  build: { target: "es2022", chunkSizeWarningLimit: 2048, rolldownOptions: { onLog: quietNodeBranches } },
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
