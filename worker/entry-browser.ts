// The module Web Worker the UI starts: exposes VmService through comlink.
import { expose } from "comlink";
import type { VmApi } from "./api";
import { keepErrorCodes } from "./errors";
import { VmService, loadMachineModule } from "./vm-service";
import { openStorage } from "./state-cache";

keepErrorCodes();
expose(new VmService() satisfies VmApi);
void openStorage(); // for the kept state: see state-cache.ts
loadMachineModule().catch(() => {}); // (a failure is reported by start())
