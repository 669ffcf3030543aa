// fetch() for the machine's files in a browser, with failures that name the file. No Node code
// here: the page imports it too (web/vm/adapter.ts compiles v86's wasm while the worker starts).
import type { Progress } from "./progress";

export class DownloadError extends Error {
  readonly code = "download-failed";
}

/** fetch(), with a failure or an HTTP error as a DownloadError that names the file. */
export async function fetchOk(url: string, cache: RequestCache): Promise<Response & { body: ReadableStream<Uint8Array> }> {
  let response: Response;
  try {
    response = await fetch(url, { cache });
  } catch (e) {
    throw new DownloadError(`could not download ${url}: ${(e as Error).message || "network error"}`);
  }
  if (!response.ok || !response.body) throw new DownloadError(`could not download ${url}: HTTP ${response.status}`);
  return response as Response & { body: ReadableStream<Uint8Array> };
}

/**
 * Fetches v86's wasm and compiles it while it downloads (compileStreaming), its bytes counted on
 * the way for the progress. Null when it is not served as application/wasm, which
 * compileStreaming refuses: the caller compiles the bytes instead.
 */
export async function streamWasm(location: string, onProgress: Progress): Promise<WebAssembly.Module | null> {
  // The bundler names v86's wasm after its content: a cached copy is always the right one.
  const response = await fetchOk(location, "force-cache");
  if (!response.headers.get("content-type")?.startsWith("application/wasm")) return null;
  const total = Number(response.headers.get("content-length")) || 0;
  let loaded = 0;
  onProgress(0, total);
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        loaded += chunk.length;
        onProgress(loaded, Math.max(total, loaded));
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await WebAssembly.compileStreaming(new Response(counted, { headers: { "content-type": "application/wasm" } }));
  } catch (e) {
    throw new DownloadError(`could not load ${location}: ${(e as Error).message}`);
  }
}
