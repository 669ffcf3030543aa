// A worker_thread cannot take tsx through execArgv on Node 20: register it here, then load
// the TypeScript entry.
import { register } from "tsx/esm/api";

register();
await import("./entry-node.ts");
