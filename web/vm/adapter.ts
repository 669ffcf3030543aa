// The one place in web/ that creates the machine: the real one in a Web Worker (comlink), or a
// scripted fake for UI development and tests, loaded on demand. Everything else sees `VmApi`.
// The page calls connect() first thing, before the UI's code has loaded, so the worker and the
// machine's downloads start at once; events that come before the UI listens are kept for it.
import { proxy, transfer, wrap, releaseProxy } from "comlink";
import wasmUrl from "v86/build/v86.wasm?url";
import type { StartOptions, StartResult, VmApi, VmEvent } from "../../worker/api";
import { throttled } from "../../worker/progress";
import { streamWasm } from "../../worker/fetch";
import type { FakeVmOptions } from "./fake-vm";

export type BackendKind = "real" | "fake";

/** Marked each time the page asks the machine to start (the benchmark's timeline starts here). */
export const START_MARK = "contained:start";

export interface VmConnection {
  api: VmApi;
  /** Starts the machine. The first call takes over the start connect() began, if it did. */
  start(): Promise<StartResult>;
  /** Resolves once the machine's side answers (its worker has loaded). */
  connected: Promise<void>;
  /** Subscribes to the machine's events (first those kept so far); the returned function unsubscribes. */
  listen(listener: (event: VmEvent) => void): Promise<() => void>;
  close(): void;
}

export interface ConnectOptions {
  /** Start the machine now, without waiting for the page to ask. */
  startNow?: boolean;
  /** A stored snapshot to start from (the learner's latest automatic one); the pre-booted state if it cannot be. */
  resume?: string;
  /** The page saves the machine by itself (StartOptions.autosaves). */
  autosaves?: boolean;
}

/** Fans the machine's events out to listeners, keeping them until the first one comes. */
class EventHub {
  private readonly listeners = new Set<(event: VmEvent) => void>();
  private backlog: VmEvent[] = [];

  deliver = (event: VmEvent): void => {
    if (this.listeners.size === 0) this.backlog.push(event);
    for (const listener of this.listeners) listener(event);
  };

  add(listener: (event: VmEvent) => void): () => void {
    this.listeners.add(listener);
    const kept = this.backlog;
    this.backlog = [];
    for (const event of kept) listener(event);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Fetches and compiles v86's wasm in the page while the worker gets going (about 0.15 s that
 * the worker's thread would otherwise spend on it), reporting the download as the worker
 * reports its files. Undefined if that fails: the worker then loads it itself, and says what
 * failed.
 */
async function compileWasm(url: string, deliver: (event: VmEvent) => void): Promise<WebAssembly.Module | undefined> {
  const progress = throttled((loaded, total) => deliver({ type: "progress", progress: { phase: "download", file: "v86.wasm", loaded, total } }));
  return (await streamWasm(url, progress).catch(() => null)) ?? undefined;
}

/** start() for a connection: the first call returns the early start if there is one. */
function starter(api: VmApi, options: StartOptions, startNow: boolean, wasm?: Promise<WebAssembly.Module | undefined>): () => Promise<StartResult> {
  const begin = () => {
    performance.mark(START_MARK);
    return wasm
      ? api.start(
          options,
          proxy(() => wasm),
        )
      : api.start(options);
  };
  let early: Promise<StartResult> | null = startNow ? begin() : null;
  early?.catch(() => {}); // reported through events; the page's start() sees the rejection too
  return () => {
    const pending = early;
    early = null;
    return pending ?? begin();
  };
}

function connectWorker(options: ConnectOptions): VmConnection {
  const worker = new Worker(new URL("../../worker/entry-browser.ts", import.meta.url), { type: "module" });
  const remote = wrap<VmApi>(worker);
  // comlink's Remote<VmApi> has the same methods, each returning a promise, as VmApi itself. An
  // upload's bytes (up to UPLOAD_LIMIT of them) are handed to the worker rather than copied.
  const api: VmApi = new Proxy(remote, {
    get: (target, key, receiver) =>
      key === "shareFile" ? (bytes: Uint8Array) => remote.shareFile(transfer(bytes, [bytes.buffer])) : Reflect.get(target, key, receiver),
  });
  const hub = new EventHub();
  // A worker that fails to load never answers: tell the listeners instead of waiting forever.
  worker.addEventListener("error", (event) => {
    const message = `the machine's worker failed: ${event.message || "it could not be loaded"}`;
    hub.deliver({ type: "status", status: "error" });
    hub.deliver({ type: "error", error: { code: "internal", message } });
  });
  // Subscribed before anything else is asked of the worker: it handles messages in order.
  const subscribed = api.subscribe(proxy(hub.deliver));
  // The terminals say what they have drawn (TerminalSession): a flood goes no faster than the screen.
  const startOptions: StartOptions = {
    imagesBase: new URL("images/", document.baseURI).href,
    wasmPath: new URL(wasmUrl, document.baseURI).href,
    pacedOutput: true,
    ...(options.resume ? { resume: options.resume } : {}),
    ...(options.autosaves ? { autosaves: true } : {}),
  };
  // (once the worker has loaded: begun at once, the wasm's fetch held up the worker's own)
  const wasm = subscribed.then(
    () => compileWasm(startOptions.wasmPath, hub.deliver),
    () => undefined,
  );
  return {
    api,
    start: starter(api, startOptions, options.startNow ?? false, wasm),
    connected: subscribed.then(() => {}),
    async listen(listener) {
      const remove = hub.add(listener);
      await subscribed;
      return remove;
    },
    close() {
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}

/** The scripted fake machine (its module is loaded only when asked for). */
export async function connectFake(fakeOptions?: FakeVmOptions, options: ConnectOptions = {}): Promise<VmConnection> {
  const { FakeVm } = await import("./fake-vm");
  const api = new FakeVm(fakeOptions);
  const hub = new EventHub();
  await api.subscribe(hub.deliver);
  return {
    api,
    start: starter(api, { imagesBase: "fake:", wasmPath: "fake:", ...(options.resume ? { resume: options.resume } : {}) }, options.startNow ?? false),
    connected: Promise.resolve(),
    async listen(listener) {
      return hub.add(listener);
    },
    close: () => void api.stop(),
  };
}

export function connect(kind: BackendKind, options: ConnectOptions = {}): Promise<VmConnection> {
  return kind === "fake" ? connectFake(undefined, options) : Promise.resolve(connectWorker(options));
}
