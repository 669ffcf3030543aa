// The same VmService in a Node worker_thread (integration tests, benchmark, pre-boot script).
import { parentPort } from "node:worker_threads";
import { expose } from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { VmApi } from "./api";
import { keepErrorCodes } from "./errors";
import { VmService } from "./vm-service";

if (!parentPort) throw new Error("entry-node.ts must run in a worker_thread");
keepErrorCodes();
expose(new VmService() satisfies VmApi, nodeEndpoint(parentPort));
