// Developer helper: starts the machine through VmService (the product's code path) in this
// process and prints when the agent answered, when the learner's prompt showed, when a typed
// command's output came back, and the disk chunks the guest read. Not a benchmark (that is
// `npm run bench`). With V=1 it also prints the learner's terminal output as it comes.
// usage: npx tsx scripts/dev/start-timing.ts [kernel|state]
import { createRequire } from "node:module";
import { VmService } from "../../worker/vm-service";

const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");
const from = process.argv[2] === "state" ? "state" : "kernel";
const since = (t: number) => (performance.now() - t).toFixed(0);

const vm = new VmService();
const t0 = performance.now();
let text = "";
let prompted = false;
void vm.subscribe((e) => {
  if (e.type !== "output" || e.terminal !== "main") return;
  const chunk = Buffer.from(e.data).toString("latin1");
  text += chunk;
  if (process.env.V) console.log(since(t0), JSON.stringify(chunk));
  if (!prompted && /# $/.test(text)) {
    prompted = true;
    console.log("prompt", since(t0));
  }
});
await vm.start({ imagesBase: new URL("../../images/", import.meta.url).pathname, wasmPath, from });
console.log("started", since(t0));
const typed = performance.now();
await vm.write("main", "echo first-$((6*7))\n");
while (!/first-42/.test(text)) await new Promise((r) => setTimeout(r, 1));
console.log("first output", since(t0), "after write", since(typed));
console.log("chunks read", JSON.stringify(vm.diskChunksRead()));
await vm.stop();
process.exit(0);
