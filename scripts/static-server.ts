// A plain static file server, as a common static host is: files as they are (no compression, no
// CORS, no COOP/COEP), under a sub-path, with ETag revalidation. The e2e tests and the bench serve
// the built site with it (not Vite's server) and count the bytes it sends.
//   npx tsx scripts/static-server.ts dist --base /docs/lab/ --port 8080
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticServerOptions {
  /** The directory served. It can be changed while the server runs (a new build deployed). */
  root: string;
  /** The path the site is served under, e.g. "/docs/lab/". */
  base?: string;
  port?: number;
  host?: string;
  /** Rewrites a text file's content on the way out (a test points a page at another origin). */
  transform?: (path: string, text: string) => string;
}

export interface StaticServer {
  url: string;
  /** Serves another directory from now on (a deploy). */
  setRoot(root: string): void;
  /** Bytes sent (headers and bodies) since the last reset, and the requests, for the figures. */
  sent(): { bytes: number; requests: string[] };
  resetCount(): void;
  close(): Promise<void>;
}

/** The file a request path names under `root`, or null (outside it, or not a file). */
function fileFor(root: string, relative: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return null;
  }
  const clean = normalize(decoded).replace(/^[/\\]+/, "");
  if (clean.split(sep).includes("..")) return null;
  let file = join(root, clean);
  try {
    if (statSync(file).isDirectory()) file = join(file, "index.html");
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

export function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  let root = resolve(options.root);
  const base = options.base ?? "/";
  let bytes = 0;
  let requests: string[] = [];

  const respond = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split(/[?#]/)[0];
    requests.push(path);
    /** Sends the status line and headers, counted (roughly as they go on the wire). */
    const head = (status: number, headers: Record<string, string>) => {
      bytes += 17 + Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0) + 40; // (+ Date, Connection)
      res.writeHead(status, headers);
    };
    const end = (body?: Buffer | string) => {
      if (body !== undefined && req.method !== "HEAD") bytes += Buffer.byteLength(body);
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (!path.startsWith(base)) {
      if (path + "/" === base) head(301, { Location: base });
      else head(404, { "Content-Type": "text/plain" });
      end("not found");
      return;
    }
    const file = fileFor(root, path.slice(base.length));
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      head(404, { "Content-Type": "text/plain" });
      end("not found");
      return;
    }
    const stat = statSync(file);
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    let body: Buffer | null = null;
    if (options.transform && /^text\/html|javascript/.test(type)) body = Buffer.from(options.transform(path, readFileSync(file, "utf8")));
    const etag = body ? `"${createHash("sha1").update(body).digest("hex")}"` : `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = { "Content-Type": type, ETag: etag, "Cache-Control": "no-cache" };
    if (req.headers["if-none-match"] === etag) {
      head(304, headers);
      end();
      return;
    }
    head(200, { ...headers, "Content-Length": String(body ? body.length : stat.size) });
    if (body || req.method === "HEAD") {
      end(body ?? undefined);
      return;
    }
    const stream = createReadStream(file);
    stream.on("data", (chunk) => (bytes += chunk.length));
    stream.pipe(res);
  };

  const server: Server = createServer(respond);
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://${options.host ?? "127.0.0.1"}:${port}${base}`,
        setRoot: (dir) => (root = resolve(dir)),
        sent: () => ({ bytes, requests: [...requests] }),
        resetCount: () => {
          bytes = 0;
          requests = [];
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

// As a command: serve a directory until stopped.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const base = flag("--base") ?? "/";
  const port = Number(flag("--port") ?? 8080);
  const host = flag("--host") ?? "127.0.0.1";
  const server = await serveStatic({ root: args[0] ?? "dist", base: base.endsWith("/") ? base : base + "/", port, host });
  console.log(`Serving ${args[0] ?? "dist"} at ${server.url}`);
}
