// Developer helper: boot a kernel (+ optional initrd / disk) in v86 under Node and mirror the
// serial ports to stdout. Not used by the product; handy while building the image.
// usage: node scripts/dev/boot.mjs --kernel K [--initrd I] [--disk IMG] [--cmdline "..."]
//        [--send "cmd\n"] [--port 0] [--until REGEX] [--timeout 60]
import { V86 } from "v86";
import { parseArgs } from "node:util";
import { statSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    kernel: { type: "string" }, initrd: { type: "string" }, disk: { type: "string" },
    cmdline: { type: "string", default: "console=ttyS0" }, send: { type: "string" },
    port: { type: "string", default: "0" }, until: { type: "string" },
    timeout: { type: "string", default: "60" }, memory: { type: "string", default: "128" },
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
  uart1: true, uart2: true, uart3: true,
  autostart: true, disable_keyboard: true, disable_mouse: true,
};
if (a.initrd) opts.initrd = { url: a.initrd };
if (a.disk) opts.hda = { url: a.disk, async: true, size: statSync(a.disk).size };
const t0 = performance.now();
const emu = new V86(opts);
const re = a.until ? new RegExp(a.until) : null;
let seen = "";
let sent = false;
for (const p of [0, 1, 2, 3]) {
  emu.add_listener(`serial${p}-output-byte`, (b) => {
    const ch = String.fromCharCode(b);
    process.stdout.write(p === 0 ? ch : ch); // all ports mixed; prefix-free for readability
    if (p !== Number(a.port)) return;
    seen += ch;
    if (a.send && !sent && /[#$] $/.test(seen)) {
      sent = true;
      console.error(`\n[boot] prompt after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      emu.serial_send_bytes(Number(a.port), new TextEncoder().encode(a.send.replace(/\\n/g, "\n")));
    }
    if (re && re.test(seen)) {
      console.error(`\n[boot] matched /${a.until}/ after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      emu.destroy().then(() => process.exit(0));
    }
  });
}
setTimeout(() => { console.error(`\n[boot] timeout`); process.exit(1); }, Number(a.timeout) * 1000);
