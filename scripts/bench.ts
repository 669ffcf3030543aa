// `npm run bench`: measures what users feel and prints the figures (never a pass/fail test).
//  - boot from the kernel to a shell prompt, in Node
//  - restore from the pre-booted state to the first command's output
//  - exec round trips on the control channel (p50/p95 over 200 calls)
//  - throughput from the guest's shell to the UI side
//  - download size of a first visit (firmware, state, wasm, disk chunks read), compressed
//  - snapshots: save, storage added by the next one, restore; booted and after an unpack
//  - lessons: every step's check while it is open, a solution's last line to its step passing
//  - the kernel view: one refresh's cost in the guest, on the wire and in the page
//  - guest I/O: the guest's own output ceiling, a flood to the UI side and to the screen (frame
//    times), keystroke to echo, Ctrl-C to a quiet screen, 32 MiB uploads and downloads
//  - in Chromium: navigation to a usable prompt (first and repeat visit), keystroke to echo,
//    a learner's command to its step shown done
//  - offline and embedded, in Chromium, from a plain static server under a sub-path: bytes sent
//    on a first visit (to the prompt, to the whole lab stored), a repeat visit and with the
//    network off; prompt time offline beside online; an embedded lab on a docs page of another
//    origin, scrolled into view to its prompt, alone and beside a second
// `npm run bench -- NAME...` runs only those parts (node, lessons, snapshots, snapshots-browser
// (snapshots-reload: its second half alone), view, io, browser, offline; BENCH_PORT moves the
// Chromium parts' servers).
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { TerminalId } from "../worker/api";
import { parseManifest } from "../worker/manifest";
import { VmService } from "../worker/vm-service";
import { benchBrowser } from "./bench-browser";
import { benchOffline } from "./bench-offline";
import { benchLessons } from "./bench-lessons";
import { benchView } from "./bench-view";
import { benchIo } from "./bench-io";
import { benchSnapshots } from "./bench-snapshots";
import { benchSnapshotsBrowser } from "./bench-snapshots-browser";
import { benchSnapshotReloads } from "./bench-snapshots-reload";

const require = createRequire(import.meta.url);
const images = new URL("../images/", import.meta.url).pathname;
const wasmPath = require.resolve("v86/build/v86.wasm");
const manifest = parseManifest(JSON.parse(readFileSync(`${images}manifest.json`, "utf8")));

const figures: Array<[string, string, string]> = [];
function figure(name: string, value: string, target = "") {
  figures.push([name, value, target]);
  console.log(`  ${name}: ${value}${target ? `   (target ${target})` : ""}`);
}
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

function terminalWatcher(vm: VmService) {
  const text: Record<TerminalId, string> = { main: "", second: "" };
  let waiter: { re: RegExp; from: number; resolve: (t: number) => void } | null = null;
  let bytes = 0;
  void vm.subscribe((e) => {
    if (e.type !== "output" || e.terminal !== "main") return;
    bytes += e.data.length;
    for (let i = 0; i < e.data.length; i += 0x8000) text.main += String.fromCharCode(...e.data.subarray(i, i + 0x8000));
    if (text.main.length > 1 << 20) text.main = text.main.slice(-4096); // keep the tail only
    if (waiter && waiter.re.test(text.main.slice(Math.max(0, Math.min(waiter.from, text.main.length - 4096))))) {
      const w = waiter;
      waiter = null;
      w.resolve(performance.now());
    }
  });
  return {
    get bytes() {
      return bytes;
    },
    mark: () => text.main.length,
    waitFor: (re: RegExp, from = text.main.length) => new Promise<number>((resolve) => (waiter = { re, from, resolve })),
    waitForPrompt: () => new Promise<number>((resolve) => (/# $/.test(text.main) ? resolve(performance.now()) : (waiter = { re: /# $/, from: 0, resolve }))),
  };
}

async function bootFromKernel() {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const vm = new VmService();
    const term = terminalWatcher(vm);
    const t0 = performance.now();
    const started = vm.start({ imagesBase: images, wasmPath, from: "kernel" });
    const prompt = await term.waitForPrompt();
    await started;
    runs.push(prompt - t0);
    await vm.stop();
  }
  figure("boot from kernel to shell prompt (Node, median of 3)", `${ms(median(runs))} [${runs.map((r) => r.toFixed(0)).join(", ")}]`, "< 3000 ms");
}

async function restoreAndControl() {
  const vm = new VmService();
  const term = terminalWatcher(vm);
  const t0 = performance.now();
  await vm.start({ imagesBase: images, wasmPath, from: "state" });
  const ready = performance.now();
  await vm.exec("echo hi");
  figure("first exec answered after the restore (start() resolved -> exec result)", ms(performance.now() - ready), "< 100 ms");
  figure("restore from pre-booted state to ready (start() -> resolved)", ms(ready - t0));
  const from = term.mark();
  const typed = performance.now();
  await vm.write("main", "echo first-$((6*7))\n");
  const firstOutput = await term.waitFor(/first-42/, from);
  figure("typed command to its output in the learner's shell, just after restore", ms(firstOutput - typed));
  figure("restore from pre-booted state to first command's output", ms(firstOutput - t0), "< 1000 ms");

  const rtts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await vm.exec("true");
    rtts.push(performance.now() - s);
  }
  figure("exec round trip p50", ms(percentile(rtts, 50)), "< 30 ms");
  figure("exec round trip p95", ms(percentile(rtts, 95)), "< 100 ms");

  const before = term.bytes;
  const mark = term.mark();
  const s = performance.now();
  await vm.write("main", "head -c 4000000 /dev/zero | tr '\\0' x; echo; echo tput''-done\n");
  const end = await term.waitFor(/tput-done\r\n/, mark);
  const bytes = term.bytes - before;
  figure("throughput guest shell -> UI side", `${(bytes / 1e6 / ((end - s) / 1000)).toFixed(2)} MB/s (${mb(bytes)} in ${ms(end - s)})`, ">= 1 MB/s");

  // What the first visit downloads from the disk: the chunks the guest has read so far.
  const index = JSON.parse(readFileSync(`${images}${manifest.disk.index.path}`, "utf8")) as { chunks: Array<{ size: number }> };
  const read = vm.diskChunksRead();
  const diskBytes = read.reduce((sum, i) => sum + index.chunks[i].size, 0);
  await vm.stop();
  return { diskBytes, diskChunks: read.length };
}

function sizes(disk: { diskBytes: number; diskChunks: number }) {
  const gz = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;
  const wasm = gz(wasmPath);
  const bios = gz(`${images}${manifest.files.bios.path}`) + gz(`${images}${manifest.files.vgaBios.path}`);
  const state = manifest.state!.size;
  const js = gz(require.resolve("v86/build/libv86.mjs"));
  figure("pre-booted state, zstd", mb(state), "< 6 MB");
  figure("v86.wasm, gzip", mb(wasm));
  figure("libv86.mjs, gzip", mb(js));
  figure("firmware (SeaBIOS + VGA BIOS), gzip", mb(bios));
  figure(`disk chunks read by boot + first commands (${disk.diskChunks} chunks, zstd)`, mb(disk.diskBytes));
  figure("first visit download, compressed (state + wasm + v86 js + firmware + disk chunks)", mb(state + wasm + bios + js + disk.diskBytes), "< 8 MB");
  figure("kernel bzImage (only for a boot without state)", mb(manifest.files.kernel.size));
}

async function main() {
  console.log(`Contained bench: image ${manifest.id.slice(0, 12)}, v86 ${manifest.v86Version}, ${new Date().toISOString()}`);
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  if (want("node")) {
    console.log("Node:");
    await bootFromKernel();
    const disk = await restoreAndControl();
    sizes(disk);
  }
  if (want("lessons")) {
    console.log("Lessons (Node):");
    await benchLessons(figure);
  }
  if (want("snapshots")) {
    console.log("Snapshots (Node):");
    await benchSnapshots(figure);
  }
  if (want("snapshots-browser")) {
    console.log("Snapshots (Chromium):");
    await benchSnapshotsBrowser(figure);
  }
  if (only.includes("snapshots-reload")) {
    console.log("Snapshots, reloads (Chromium; part of snapshots-browser):");
    await benchSnapshotReloads(figure);
  }
  if (want("view")) {
    console.log("Kernel view:");
    await benchView(figure);
  }
  if (want("io")) {
    console.log("Guest I/O (Node and Chromium):");
    await benchIo(figure);
  }
  if (want("browser")) {
    console.log("Chromium:");
    await benchBrowser(figure);
  }
  if (want("offline")) {
    console.log("Offline and embedded (Chromium):");
    await benchOffline(figure);
  }
  console.log("\nSummary");
  for (const [name, value, target] of figures) console.log(`| ${name} | ${value} | ${target} |`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
