// The kernel view's part of the bench: what one refresh costs and what the view costs the
// learner. `benchView(figure)` (or `npx tsx scripts/bench-view.ts`) prints:
//  - one refresh: the guest instructions it takes (whatever the host's load), the inspector's own
//    CPU time in the guest, the exec round trip, the answer's bytes and the bytes on the serial
//    line (Node; a fresh machine, then one with a container)
//  - the guest CPU share at one refresh a second, against the same time idle (guest /proc/stat)
//  - in Chromium, the panel open: parsing and drawing a refresh in the page; keystroke to echo
//    with the panel open and closed, side by side in one run (alternating blocks of keys)
// Machines without /usr/sbin/contained-inspect get the one built here (tests/integration/inspector.ts).
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium, type Page } from "@playwright/test";
import { createRequire } from "node:module";
import { installInspector } from "../tests/integration/inspector";
import { PromptWatcher } from "../web/terminal/prompt";
import { inspectCommand, type InspectOptions } from "../web/inspect/command";
import { repoPath } from "../worker/node-client";
import { VmService } from "../worker/vm-service";
import { CHROMIUM_ARGS } from "./bench-browser";

type Figure = (name: string, value: string, target?: string) => void;

const PORT = 4176;
const RUNS = 30;
const SHARE_WINDOW_MS = 20_000;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const percentile = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const spread = (xs: number[], unit: string, digits = 0) => `${percentile(xs, 50).toFixed(digits)} ${unit} (p95 ${percentile(xs, 95).toFixed(digits)})`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base64Length = (n: number) => 4 * Math.ceil(n / 3);

/** Bytes on the control channel's serial line for one exec (worker/protocol.ts framing, 32-character nonces). */
function wireBytes(command: string, answer: number, timeoutMs = 5000): { sent: number; received: number } {
  const sent = `x ${"n".repeat(32)} ${timeoutMs} `.length + base64Length(command.length) + 1;
  let received = 32 + " x 0 ok\n".length;
  for (let off = 0; off < answer; off += 3072) received += 32 + " o ".length + base64Length(Math.min(3072, answer - off)) + 1;
  return { sent, received };
}

type Exec = VmService["exec"];

/** Busy and total jiffies of the guest's CPU so far. */
async function guestJiffies(exec: Exec): Promise<{ busy: number; total: number }> {
  const line = (await exec("head -1 /proc/stat")).stdout;
  const [, ...values] = line.trim().split(/\s+/).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - values[3] - values[4], total }; // minus idle and iowait
}

async function refreshes(vm: VmService, label: string, figure: Figure, options: InspectOptions = {}): Promise<void> {
  const cpu: number[] = [];
  const roundTrip: number[] = [];
  const instructions: number[] = [];
  const rates: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS + 3; i++) {
    const before = vm.instructionCount();
    const t0 = performance.now();
    const result = await vm.exec(inspectCommand(options), { timeoutMs: 5000 });
    const ms = performance.now() - t0;
    const ran = (vm.instructionCount() - before) >>> 0;
    if (result.exitCode !== 0) throw new Error(`contained-inspect failed: ${result.stderr}`);
    if (i < 3) continue; // warm: the binary and /proc in the guest's caches
    cpu.push(JSON.parse(result.stdout).cpuUs / 1000);
    roundTrip.push(ms);
    instructions.push(ran / 1e6);
    rates.push(ran / 1e3 / ms);
    bytes = result.stdoutBytes.length;
  }
  const wire = wireBytes(inspectCommand(options), bytes);
  figure(`kernel view refresh, ${label}: guest instructions (sh and the agent included), p50 of ${RUNS}`, spread(instructions, "M", 2));
  figure(`kernel view refresh, ${label}: the inspector's CPU time in the guest`, spread(cpu, "ms"), "< 50 ms");
  figure(
    `kernel view refresh, ${label}: exec round trip (Node), and the emulator's speed meanwhile`,
    `${spread(roundTrip, "ms")}, ${percentile(rates, 50).toFixed(0)} M instructions/s`,
  );
  figure(`kernel view refresh, ${label}: answer / on the serial line`, `${bytes} B JSON / ${wire.sent} B sent + ${wire.received} B received (base64 lines)`);
}

async function cpuShare(vm: VmService, figure: Figure): Promise<void> {
  const exec: Exec = (c, o) => vm.exec(c, o);
  const window = async (refresh: boolean) => {
    const start = await guestJiffies(exec);
    const end = performance.now() + SHARE_WINDOW_MS;
    while (performance.now() < end) {
      const t0 = performance.now();
      if (refresh) await vm.exec(inspectCommand(), { timeoutMs: 5000 });
      await sleep(Math.max(0, 1000 - (performance.now() - t0))); // the page's pace: one a second
    }
    const stop = await guestJiffies(exec);
    return (stop.busy - start.busy) / (stop.total - start.total);
  };
  const idle = await window(false);
  const viewing = await window(true);
  figure(
    `guest CPU share, one kernel view refresh a second (${SHARE_WINDOW_MS / 1000} s each)`,
    `${((viewing - idle) * 100).toFixed(1)} % (busy ${(viewing * 100).toFixed(1)} % viewing, ${(idle * 100).toFixed(1)} % idle)`,
    "< 5 %",
  );
}

/** Types a line into the learner's shell and waits for its next prompt. */
async function typeLine(vm: VmService, line: string): Promise<void> {
  const watcher = new PromptWatcher();
  let unsubscribe = 0;
  const prompted = new Promise<void>((resolve) => {
    void vm.subscribe((e) => e.type === "output" && e.terminal === "main" && watcher.push(e.data) && resolve()).then((id) => (unsubscribe = id));
  });
  await vm.write("main", `${line}\n`);
  await prompted;
  await vm.unsubscribe(unsubscribe);
}

async function guestSide(figure: Figure): Promise<void> {
  const vm = new VmService();
  await vm.start({ imagesBase: repoPath("images"), wasmPath: createRequire(import.meta.url).resolve("v86/build/v86.wasm"), from: "state" });
  try {
    console.log(`  (inspector: ${await installInspector((c, o) => vm.exec(c, o))})`);
    await refreshes(vm, "fresh machine", figure);
    await refreshes(vm, "fresh machine, the lab's processes shown (--all)", figure, { all: true });
    await cpuShare(vm, figure);
    await typeLine(vm, "unshare --pid --fork --mount-proc --uts --net bash");
    await refreshes(vm, "a shell in its own pid, mount, uts and net namespaces", figure);
  } finally {
    await vm.stop();
  }
}

async function serve(): Promise<ChildProcess> {
  execFileSync("npx", ["vite", "build", "--logLevel", "error"], { stdio: "inherit" });
  const server = spawn("npx", ["vite", "preview", "--port", String(PORT), "--strictPort"], { stdio: "ignore", detached: true });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://localhost:${PORT}/`)).ok) return server;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error("vite preview did not start");
}

const terminalText = (page: Page) => page.evaluate(() => window.__contained!.terminalText("main").trimEnd().length);
const kernelView = (page: Page) => page.evaluate(() => window.__contained!.kernelView());

/** Opens the kernel view; on an image without the inspector, uploads and installs it as the e2e test does. */
async function openKernelView(page: Page): Promise<void> {
  await page.getByRole("tab", { name: "Kernel view" }).click();
  await page.waitForFunction(() => ["ready", "missing"].includes(window.__contained!.kernelView().status), null, { timeout: 60_000 });
  if ((await kernelView(page)).status === "missing") {
    const built = repoPath("build/agent/contained-inspect");
    if (!existsSync(built)) execFileSync("bash", [repoPath("scripts/build-agent.sh")]);
    await page
      .getByLabel(/^Upload files into \/root/)
      .setInputFiles({ name: "contained-inspect.gz", mimeType: "application/gzip", buffer: gzipSync(readFileSync(built), { level: 9 }) });
    await page.getByText("Uploaded /root/contained-inspect.gz").waitFor({ timeout: 180_000 });
    await page.locator("#terminal-main").click();
    await page.keyboard.type("gunzip -c contained-inspect.gz > /usr/sbin/contained-inspect && chmod 755 /usr/sbin/contained-inspect && clear\n");
  }
  await page.waitForFunction(() => window.__contained!.kernelView().status === "ready", null, { timeout: 60_000 });
}

async function keystrokes(page: Page, count: number): Promise<number[]> {
  await page.locator("#terminal-main").click();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = await terminalText(page);
    await page.evaluate(() => ((window as unknown as { __t0: number }).__t0 = performance.now()));
    await page.keyboard.type(String.fromCharCode(97 + (i % 26)));
    const handle = await page.waitForFunction(
      (n) => (window.__contained!.terminalText("main").trimEnd().length > n ? performance.now() - (window as unknown as { __t0: number }).__t0 : 0),
      before,
      { polling: "raf", timeout: 10_000 },
    );
    times.push((await handle.jsonValue()) as number);
  }
  await page.keyboard.press("Control+U");
  return times;
}

async function pageSide(figure: Figure): Promise<void> {
  const server = await serve();
  const browser = await chromium.launch({ executablePath: existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://localhost:${PORT}/`);
    await page.waitForFunction(() => performance.getEntriesByName("contained:prompt").length > 0, null, { timeout: 120_000 });
    await openKernelView(page);

    const render: number[] = [];
    let seen = (await kernelView(page)).refreshes;
    while (render.length < 15) {
      await page.waitForFunction((n) => window.__contained!.kernelView().refreshes > n, seen, { timeout: 30_000 });
      const view = await kernelView(page);
      seen = view.refreshes;
      if (view.cost) render.push(view.cost.parseAndRenderMs);
    }
    figure("kernel view refresh: parse and draw in the page (Chromium, p50 of 15)", spread(render, "ms", 1));

    // Side by side: blocks of 20 keys, the panel closed then open, twice.
    const closed: number[] = [];
    const open: number[] = [];
    for (let round = 0; round < 2; round++) {
      await page.getByRole("tab", { name: "Lesson" }).click();
      closed.push(...(await keystrokes(page, 20)));
      await page.getByRole("tab", { name: "Kernel view" }).click();
      open.push(...(await keystrokes(page, 20)));
    }
    figure(
      "keystroke to echo, p50 of 40: kernel view open / closed",
      `${percentile(open, 50).toFixed(0)} ms / ${percentile(closed, 50).toFixed(0)} ms (p95 ${percentile(open, 95).toFixed(0)} / ${percentile(closed, 95).toFixed(0)} ms)`,
      "< 30 ms",
    );
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
}

export async function benchView(figure: Figure): Promise<void> {
  // the emulator shares the host: its load says how far these are from a quiet machine's
  figure("host load average (1 min) at the start", loadavg()[0].toFixed(1));
  await guestSide(figure);
  await pageSide(figure);
}

// run on its own: npx tsx scripts/bench-view.ts
if (process.argv[1] && fileURLToPath(import.meta.url) === resolvePath(process.argv[1])) {
  console.log("Kernel view:");
  await benchView((name, value, target) => console.log(`  ${name}: ${value}${target ? `   (target ${target})` : ""}`));
}
