// Starts VmService in a Node worker_thread and returns the comlink-wrapped API: the exact code
// path the browser uses, with Node's transport.
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { proxy, wrap, releaseProxy, type Remote } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { VmApi, VmEvent } from "./api";

export interface NodeVm {
  api: Remote<VmApi>;
  /** Paths for StartOptions in Node. */
  imagesBase: string;
  wasmPath: string;
  listen(listener: (event: VmEvent) => void): Promise<number>;
  close(): Promise<void>;
}

export function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

export function startNodeVm(): NodeVm {
  const worker = new Worker(new URL("./entry-node-ts.mjs", import.meta.url));
  const api = wrap<VmApi>(nodeEndpoint(worker));
  const require = createRequire(import.meta.url);
  return {
    api,
    imagesBase: repoPath("images"),
    wasmPath: require.resolve("v86/build/v86.wasm"),
    listen: (listener) => api.subscribe(proxy(listener)),
    close: async () => {
      api[releaseProxy]();
      await worker.terminate();
    },
  };
}
