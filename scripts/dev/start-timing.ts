// Developer helper: starts the machine through VmService (the product's code path) in this
// process and prints when the agent answered, when the learner's prompt showed and when a typed
// command's output came back; with HOOK=1 also the emulator's busy share and instruction count
// every 250 ms, and the disk chunks read. Not a benchmark (`npm run bench` is).
// usage: npx tsx scripts/dev/start-timing.ts [kernel|state]
import { createRequire } from "node:module";
import { VmService } from "../../worker/vm-service";
const require = createRequire(import.meta.url);
const wasmPath = require.resolve("v86/build/v86.wasm");
const from = (process.argv[2] ?? "kernel") as "kernel" | "state";
const vm = new VmService();
let text = "";
const t0 = performance.now();
let done = false;
void vm.subscribe((e) => {
  if (e.type === "output" && e.terminal === "main") {
    text += Buffer.from(e.data).toString("latin1"); if (process.env.V) console.log((performance.now() - t0).toFixed(0), JSON.stringify(Buffer.from(e.data).toString("latin1")));
    if (!done && /# $/.test(text)) { done = true; console.log("prompt", (performance.now() - t0).toFixed(0)); }
  }
});
if (process.env.HOOK) {
  const iv = setInterval(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a dev probe into v86
    const v = (vm as any).machine?.emulator?.v86; if (!v || !v.cpu) return;
    clearInterval(iv);
    const orig = v.cpu.main_loop; let busy = 0, last = performance.now(), calls = 0, hlt = 0;
    v.cpu.main_loop = function () { const s = performance.now(); const r = orig.call(this); busy += performance.now() - s; calls++; if (r > 0) hlt++; return r; };
    setInterval(() => { const now = performance.now(); console.log(`${(now - t0).toFixed(0)} busy ${(busy / (now - last) * 100).toFixed(0)}% calls ${calls} hlt ${hlt} instr ${((v.cpu.instruction_counter[0] >>> 0) / 1e6).toFixed(1)}M`); busy = 0; calls = 0; hlt = 0; last = now; }, 250);
  }, 1);
}
await vm.start({ imagesBase: new URL("../../images/", import.meta.url).pathname, wasmPath, from });
console.log("started", (performance.now() - t0).toFixed(0));
const s = performance.now();
await vm.write("main", "echo first-$((6*7))\n");
while (!/first-42/.test(text)) await new Promise((r) => setTimeout(r, 1));
console.log("first output", (performance.now() - t0).toFixed(0), "after write", (performance.now() - s).toFixed(0));
if (process.env.HOOK) console.log("chunks read", JSON.stringify(vm.diskChunksRead()));
await vm.stop();
process.exit(0);
