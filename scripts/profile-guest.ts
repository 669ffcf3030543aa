// Where the guest's instructions go while it runs a command in the learner's shell, in Node:
// `npx tsx scripts/profile-guest.ts [System.map] [command]` (defaults: the kernel build tree's
// System.map, 20 MB of the flood to the terminal). Samples the guest's instruction pointer each
// time v86's main loop comes back to run its timers (after every batch of ~100 k instructions,
// at the end of a compiled block: a sample lands in a function in proportion to the
// instructions it runs, roughly), maps kernel addresses to System.map's symbols, and prints the
// top symbols by share, user space as one line. With --callers it also scans each kernel
// sample's stack for return addresses (as Linux's "guess" unwinder does: stale words count
// too), for an inclusive share by function.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { VmService } from "../worker/vm-service";
import { shell } from "./bench-io";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const callers = process.argv.includes("--callers");
/** --within=SYMBOL: also a histogram of the samples' addresses inside that function. */
const within = process.argv.find((a) => a.startsWith("--within="))?.slice("--within=".length);
const mapPath = args[0] ?? new URL("../build/kernel/linux-source-6.1/System.map", import.meta.url).pathname;
const command = args[1] ?? "yes 0123456789abcdef | head -c 20000000";
const images = new URL("../images/", import.meta.url).pathname;
const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");
const PAGE_OFFSET = 0xc0000000;

interface Cpu {
  instruction_pointer: Int32Array;
  reg32: Int32Array;
  mem8: Uint8Array;
  run_hardware_timers(acpi: boolean, now: number): number;
}

/** Text symbols from System.map, sorted by address, with a lookup. */
function loadSymbols(path: string): { name(addr: number): string; isText(addr: number): boolean } {
  if (!existsSync(path)) throw new Error(`no System.map at ${path} (bash scripts/build-kernel.sh makes it)`);
  const syms = readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .filter((p) => p.length === 3 && /^[tTwW]$/.test(p[1]))
    .map(([a, , n]) => ({ addr: parseInt(a, 16), name: n }))
    .sort((a, b) => a.addr - b.addr);
  const text = readFileSync(path, "utf8").match(/^([0-9a-f]+) . _etext$/m);
  const etext = text ? parseInt(text[1], 16) : syms.at(-1)!.addr;
  const start = syms[0].addr;
  return {
    isText: (addr) => addr >= start && addr < etext,
    name(addr) {
      let lo = 0;
      let hi = syms.length - 1;
      if (addr < syms[0].addr) return "?";
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (syms[mid].addr <= addr) lo = mid;
        else hi = mid - 1;
      }
      return addr < etext ? syms[lo].name : "(kernel, not text)";
    },
  };
}

async function main(): Promise<void> {
  const symbols = loadSymbols(mapPath);
  const vm = new VmService();
  const sh = shell(vm);
  await vm.start({ imagesBase: images, wasmPath, from: "state" });
  await sh.time("true");
  await sh.time("yes 0123456789abcdef | head -c 2000000"); // v86 compiles the hot code first

  const machine = (vm as unknown as { running: { machine: { emulator: { v86: { cpu: Cpu } }; instructionCount(): number } } }).running.machine;
  const cpu = machine.emulator.v86.cpu;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const addresses = new Map<number, number>();
  let samples = 0;
  let kernel = 0;
  let sampling = true;
  const original = cpu.run_hardware_timers.bind(cpu);
  cpu.run_hardware_timers = (acpi, now) => {
    if (sampling) {
      const ip = cpu.instruction_pointer[0] >>> 0;
      samples++;
      const name = ip >= PAGE_OFFSET ? symbols.name(ip) : "(user space)";
      if (ip >= PAGE_OFFSET) kernel++;
      self.set(name, (self.get(name) ?? 0) + 1);
      if (name === within) addresses.set(ip, (addresses.get(ip) ?? 0) + 1);
      if (callers && ip >= PAGE_OFFSET) {
        const seen = new Set<string>([name]);
        const esp = cpu.reg32[4] >>> 0;
        const mem = cpu.mem8;
        const view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
        // the stack up to the top of its 8 KiB (THREAD_SIZE) area
        const top = ((esp + 8192) & ~8191) >>> 0;
        for (let a = esp; a + 4 <= top && a - esp < 4096; a += 4) {
          const phys = a - PAGE_OFFSET;
          if (phys < 0 || phys + 4 > mem.byteLength) break;
          const word = view.getUint32(phys, true);
          if (symbols.isText(word)) seen.add(symbols.name(word));
        }
        for (const s of seen) inclusive.set(s, (inclusive.get(s) ?? 0) + 1);
      }
    }
    return original(acpi, now);
  };
  const { ms, bytes: out, instructions } = await sh.time(command);
  sampling = false;
  console.log(`${command}: ${(out / 1e6).toFixed(1)} MB out in ${ms.toFixed(0)} ms, ${(instructions / 1e6).toFixed(0)} M instructions`);
  console.log(`${samples} samples (${((instructions / samples) | 0).toLocaleString()} instructions each), kernel ${((100 * kernel) / samples).toFixed(1)}%`);
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, c]) => `  ${((100 * c) / samples).toFixed(1).padStart(5)}%  ${name}`)
      .join("\n");
  console.log("self:\n" + top(self, 40));
  if (within)
    console.log(
      `inside ${within}, by address:\n` +
        [...addresses]
          .sort((a, b) => a[0] - b[0])
          .map(([a, c]) => `  ${a.toString(16)}  ${((100 * c) / samples).toFixed(1)}%`)
          .join("\n"),
    );
  if (callers) console.log("on the stack (inclusive, by a scan of it):\n" + top(inclusive, 50));
  await vm.stop();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
