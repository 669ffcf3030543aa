// The same VmService in a Node worker_thread (integration tests, benchmark, pre-boot script).
import { parentPort } from "node:worker_threads";
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { VmApi } from "./api";
import { keepErrorCodes } from "./errors";
import { VmService } from "./vm-service";

if (!parentPort) throw new Error("entry-node.ts must run in a worker_thread");
// Node has no IndexedDB: snapshots go to fake-indexeddb's, in memory, for this worker's life.
if (!("indexedDB" in globalThis)) Object.assign(globalThis, { indexedDB: (await import("fake-indexeddb")).indexedDB });
keepErrorCodes();
expose(new VmService() satisfies VmApi, nodeEndpoint(parentPort));
