// The module Web Worker the UI starts: exposes VmService through comlink.
import { expose } from "comlink";
import type { VmApi } from "./api";
import { VmService } from "./vm-service";
import { openStorage } from "./state-cache";

expose(new VmService() satisfies VmApi);
void openStorage(); // for the kept state: see state-cache.ts
