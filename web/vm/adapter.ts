// The one place in web/ that creates the machine: the real one in a Web Worker (comlink), or a
// scripted fake for UI development and tests, loaded on demand. Everything else sees `VmApi`.
import { proxy, wrap, releaseProxy } from "comlink";
import wasmUrl from "v86/build/v86.wasm?url";
import type { StartOptions, VmApi, VmEvent } from "../../worker/api";
import type { FakeVmOptions } from "./fake-vm";

export type BackendKind = "real" | "fake";

export interface VmConnection {
  api: VmApi;
  /** What `api.start()` needs to find the machine's files. */
  startOptions: StartOptions;
  /** Subscribes to the machine's events; the returned function unsubscribes. */
  listen(listener: (event: VmEvent) => void): Promise<() => void>;
  close(): void;
}

function connectWorker(): VmConnection {
  const worker = new Worker(new URL("../../worker/entry-browser.ts", import.meta.url), { type: "module" });
  const remote = wrap<VmApi>(worker);
  // comlink's Remote<VmApi> has the same methods, each returning a promise, as VmApi itself.
  const api: VmApi = remote;
  // A worker that fails to load never answers: tell the listeners instead of waiting forever.
  const listeners = new Set<(event: VmEvent) => void>();
  worker.addEventListener("error", (event) => {
    const message = `the machine's worker failed: ${event.message || "it could not be loaded"}`;
    for (const listener of listeners) {
      listener({ type: "status", status: "error" });
      listener({ type: "error", error: { code: "internal", message } });
    }
  });
  return {
    api,
    startOptions: { imagesBase: new URL("images/", document.baseURI).href, wasmPath: new URL(wasmUrl, document.baseURI).href },
    async listen(listener) {
      listeners.add(listener);
      const id = await api.subscribe(proxy(listener));
      return () => {
        listeners.delete(listener);
        void api.unsubscribe(id);
      };
    },
    close() {
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}

/** The scripted fake machine (its module is loaded only when asked for). */
export async function connectFake(options?: FakeVmOptions): Promise<VmConnection> {
  const { FakeVm } = await import("./fake-vm");
  const api = new FakeVm(options);
  return {
    api,
    startOptions: { imagesBase: "fake:", wasmPath: "fake:" },
    async listen(listener) {
      const id = await api.subscribe(listener);
      return () => void api.unsubscribe(id);
    },
    close: () => void api.stop(),
  };
}

export function connect(kind: BackendKind): Promise<VmConnection> {
  return kind === "fake" ? connectFake() : Promise.resolve(connectWorker());
}
