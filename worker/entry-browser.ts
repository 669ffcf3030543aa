// The module Web Worker the UI starts: exposes VmService through comlink.
import { expose } from "comlink";
import type { VmApi } from "./api";
import { VmService } from "./vm-service";

expose(new VmService() satisfies VmApi);
