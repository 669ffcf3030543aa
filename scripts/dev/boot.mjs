// Developer helper: boot a kernel (+ optional initrd / disk) in v86 under Node and mirror the
// serial ports to stdout. Not used by the product; handy while building the image.
// usage: node scripts/dev/boot.mjs --kernel K [--initrd I] [--disk IMG] [--cmdline "..."]
//        [--send "cmd\n" [--send "cmd2\n" ...]] [--port 0] [--until REGEX] [--timeout 60]
//        [--memory 128] [--quiet-ports] [--balloon]
// --quiet-ports mirrors only --port; --balloon adds v86's virtio balloon device.
// Each --send is typed into --port after the next shell prompt ("# " or "$ ") shows up there.
// Timing lines go to stderr:
//   [boot] kernel entered after X s   first time the CPU runs at a kernel virtual address
//                                     (>= 0xC0000000): BIOS + bzImage decompression are done
//   [boot] prompt after X s           first prompt on --port
//   [boot] matched /RE/ after X s     --until matched on --port (then the emulator is stopped)
import { V86 } from "v86";
import { parseArgs } from "node:util";
import { statSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    kernel: { type: "string" },
    initrd: { type: "string" },
    disk: { type: "string" },
    cmdline: { type: "string", default: "console=ttyS0" },
    send: { type: "string", multiple: true, default: [] },
    port: { type: "string", default: "0" },
    until: { type: "string" },
    timeout: { type: "string", default: "60" },
    memory: { type: "string", default: "128" },
    "quiet-ports": { type: "boolean", default: false },
    balloon: { type: "boolean", default: false },
  },
});
const v86dir = require.resolve("v86").replace(/libv86\.mjs$/, "");
const opts = {
  wasm_path: v86dir + "v86.wasm",
  bios: { url: "/usr/share/seabios/bios.bin" },
  vga_bios: { url: "/usr/share/seabios/vgabios-stdvga.bin" },
  bzimage: { url: a.kernel },
  cmdline: a.cmdline,
  memory_size: Number(a.memory) * 1024 * 1024,
  uart1: true,
  uart2: true,
  uart3: true,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  virtio_balloon: a.balloon,
};
if (a.initrd) opts.initrd = { url: a.initrd };
if (a.disk) opts.hda = { url: a.disk, async: true, size: statSync(a.disk).size };
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(2);
const emu = new V86(opts);

// Phase timing: poll the instruction pointer. v86 enters the bzImage's 32-bit code at
// 0x100000 (decompressor); the kernel proper runs at virtual addresses >= 0xC0000000.
// Instruction counts (in millions) are printed too: they do not depend on host load.
const mi = (cpu) => ((cpu.instruction_counter ? cpu.instruction_counter[0] >>> 0 : 0) / 1e6).toFixed(0);
let phase = 0;
const eipPoll = setInterval(() => {
  const cpu = emu.v86 && emu.v86.cpu;
  if (!cpu || !cpu.instruction_pointer) return;
  const eip = cpu.instruction_pointer[0] >>> 0;
  if (phase === 0 && eip >= 0x100000 && eip < 0x4000000) {
    phase = 1;
    console.error(`\n[boot] decompressor entered after ${secs()} s (${mi(cpu)} M instructions)`);
  }
  if (eip >= 0xc0000000) {
    console.error(`\n[boot] kernel entered after ${secs()} s (${mi(cpu)} M instructions)`);
    clearInterval(eipPoll);
  }
}, 1);
const instr = () => (emu.v86 && emu.v86.cpu ? ` (${mi(emu.v86.cpu)} M instructions)` : "");

const re = a.until ? new RegExp(a.until) : null;
const port = Number(a.port);
const sends = [...a.send];
let seen = "";
let sinceSend = "";
let prompted = false;
let done = false;
for (const p of [0, 1, 2, 3]) {
  emu.add_listener(`serial${p}-output-byte`, (b) => {
    const ch = String.fromCharCode(b);
    if (!a["quiet-ports"] || p === port) process.stdout.write(ch); // all ports mixed
    if (p !== port) return;
    seen += ch;
    sinceSend += ch;
    if (/[#$] $/.test(sinceSend)) {
      if (!prompted) {
        prompted = true;
        console.error(`\n[boot] prompt after ${secs()} s${instr()}`);
      }
      if (sends.length) {
        sinceSend = "";
        emu.serial_send_bytes(port, new TextEncoder().encode(sends.shift().replace(/\\n/g, "\n")));
      }
    }
    if (re && !done && re.test(seen)) {
      done = true;
      console.error(`\n[boot] matched /${a.until}/ after ${secs()} s${instr()}`);
      emu.destroy().then(() => process.exit(0));
    }
  });
}
setTimeout(
  () => {
    console.error(`\n[boot] timeout after ${secs()} s`);
    process.exit(1);
  },
  Number(a.timeout) * 1000,
);
