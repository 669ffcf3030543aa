// The guest's I/O, for `npm run bench` (`benchIo(figure)`; alone: `npx tsx scripts/bench-io.ts [node|browser|browser-dom|browser-webgl|node-transfer|browser-transfer]`).
//  - Node: what the guest itself can produce (into /dev/null, into a pipe), a flood from the
//    learner's shell to the UI side, uploads and downloads
//  - Chromium, on the built site: a flood to the screen (MB/s, frame times), keystroke to echo,
//    Ctrl-C on a running `seq` to a quiet screen, uploads and downloads through the page
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import type { BrowserContext, Page } from "@playwright/test";
import type { TerminalId, VmEvent } from "../worker/api";
import { VmService } from "../worker/vm-service";
import { DOWNLOAD_LIMIT, UPLOAD_LIMIT, downloadFile, uploadFile } from "../web/files/transfer";
import { PORT, freshBrowser, keystrokeFigure, keystrokeLatency, serve, withoutWebGL } from "./bench-browser";
import { TRACE_CATEGORIES } from "./trace-flood";
import { browserPid, hostCpu } from "./host-cpu";

type Figure = (name: string, value: string, target?: string) => void;

const images = new URL("../images/", import.meta.url).pathname;
const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");
const MB = 1e6;
const MiB = 1 << 20;
/** The flood: 17-byte lines, as in the issue. */
const FLOOD = "yes 0123456789abcdef | head -c";
const FLOOD_BYTES = Number(process.env.BENCH_IO_FLOOD_MB ?? 20) * MB;
/** Transfers of this size (each capped by the limit the lab has). */
const TRANSFER_BYTES = Number(process.env.BENCH_IO_TRANSFER_MIB ?? 32) * MiB;

const ms = (n: number) => `${n.toFixed(0)} ms`;
const rate = (bytes: number, t: number) => `${(bytes / MB / (t / 1000)).toFixed(2)} MB/s`;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const percentile = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
/** What the terminal receives for `head -c n` of the flood: the tty turns each \n into \r\n. */
const floodOnScreen = (n: number) => n + Math.floor(n / 17);

/** Guest instructions so far (32 bits). (A VmService from before instructionCount(): its machine's.) */
function instructionCount(vm: VmService): number {
  const older = vm as unknown as { instructionCount?: () => number; machine?: { instructionCount(): number } };
  return older.instructionCount ? older.instructionCount() : (older.machine?.instructionCount() ?? 0);
}

/** The learner's main shell in Node: type a line, wait for a marker, count the bytes between. */
export function shell(vm: VmService) {
  let text = "";
  let bytes = 0;
  let waiter: { marker: string; resolve: (at: number) => void } | null = null;
  void vm.subscribe((e: VmEvent) => {
    if (e.type !== "output" || e.terminal !== ("main" satisfies TerminalId)) return;
    bytes += e.data.length;
    text = (text + Buffer.from(e.data).toString("latin1")).slice(-256);
    if (waiter && text.includes(waiter.marker)) {
      const w = waiter;
      waiter = null;
      text = "";
      w.resolve(performance.now());
    }
  });
  let n = 0;
  return {
    /** Runs `command`; resolves to how long until its marker came and how many bytes came meanwhile. */
    async time(command: string): Promise<{ ms: number; bytes: number; instructions: number }> {
      const marker = `io-mark-${++n}\r\n`;
      const done = new Promise<number>((resolve) => (waiter = { marker, resolve }));
      const before = bytes;
      const count = instructionCount(vm);
      const t0 = performance.now();
      await vm.write("main", `${command}; echo io-mark''-${n}\n`);
      const end = await done;
      return { ms: end - t0, bytes: bytes - before, instructions: (instructionCount(vm) - count) >>> 0 };
    },
  };
}

async function nodeIo(figure: Figure): Promise<void> {
  const vm = new VmService();
  const sh = shell(vm);
  await vm.start({ imagesBase: images, wasmPath, from: "state" });
  await sh.time("true"); // the shell is at its prompt
  await sh.time(`${FLOOD} 2000000 > /dev/null; ${FLOOD} 2000000 | wc -c`); // v86 compiles the hot code first
  const n = FLOOD_BYTES;
  const nul = await sh.time(`${FLOOD} ${n} > /dev/null`);
  figure(`guest ceiling: ${n / MB} MB of the flood into /dev/null (Node)`, `${rate(n, nul.ms)} (${ms(nul.ms)})`);
  const pipe = await sh.time(`${FLOOD} ${n} | wc -c`);
  figure(`guest ceiling: ${n / MB} MB of the flood into a pipe, | wc -c (Node)`, `${rate(n, pipe.ms)} (${ms(pipe.ms)})`);
  const flood = await sh.time(`${FLOOD} ${n}`);
  figure(
    `flood from the learner's shell to the UI side, ${n / MB} MB (Node)`,
    `${rate(flood.bytes, flood.ms)} (${(flood.bytes / MB).toFixed(1)} MB in ${ms(flood.ms)})`,
  );
  // What the guest spends, whatever the host's load (the 32-bit counter wraps: fine below ~4 G).
  figure("  guest instructions per byte of it (the flood, into a pipe)", `${(flood.instructions / n).toFixed(0)}, ${(pipe.instructions / n).toFixed(0)}`);

  await nodeTransfer(figure, vm);
  await vm.stop();
}

/** Uploads and downloads in Node: wall time, and guest instructions per byte (what load does not move). */
async function nodeTransfer(figure: Figure, running?: VmService): Promise<void> {
  const vm = running ?? new VmService();
  if (!running) await vm.start({ imagesBase: images, wasmPath, from: "state" });
  const up = randomBytes(Math.min(TRANSFER_BYTES, UPLOAD_LIMIT));
  const perByte = (from: number, bytes: number) => (((instructionCount(vm) - from) >>> 0) / bytes).toFixed(0);
  let count = instructionCount(vm);
  let t0 = performance.now();
  await uploadFile(vm, "bench-io.bin", up);
  const upMs = performance.now() - t0;
  figure(
    `upload ${(up.length / MiB).toFixed(0)} MiB (Node)`,
    `${rate(up.length, upMs)} (${ms(upMs)}; ${perByte(count, up.length)} guest instructions per byte)`,
    "32 MiB < 10 s",
  );
  const downSize = Math.min(TRANSFER_BYTES, DOWNLOAD_LIMIT);
  const made = await vm.exec(`head -c ${downSize} /dev/urandom > /root/bench-down.bin`, { timeoutMs: 120_000 });
  if (made.exitCode !== 0) throw new Error(`could not make the download's file: ${made.stderr}`);
  count = instructionCount(vm);
  t0 = performance.now();
  const down = await downloadFile(vm, "/root/bench-down.bin");
  const downMs = performance.now() - t0;
  figure(
    `download ${(down.length / MiB).toFixed(0)} MiB (Node)`,
    `${rate(down.length, downMs)} (${ms(downMs)}; ${perByte(count, down.length)} guest instructions per byte)`,
    "32 MiB < 10 s",
  );
  const back = await downloadFile(vm, "/root/bench-io.bin");
  const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  if (sha(back) !== sha(up)) throw new Error("the uploaded file came back different");
  await vm.exec("rm -f /root/bench-io.bin /root/bench-down.bin");
  if (!running) await vm.stop();
}

/** Uploads and downloads in Chromium, through the page's own controls (file input, Download button). */
async function browserTransfer(figure: Figure): Promise<void> {
  const server = await serve();
  const browser = await freshBrowser();
  const { page } = browser;
  try {
    await page.goto(`http://localhost:${PORT}/?mode=sandbox`);
    await page.waitForFunction(() => performance.getEntriesByName("contained:prompt").length > 0, null, { timeout: 120_000 });
    const size = Math.min(TRANSFER_BYTES, UPLOAD_LIMIT, DOWNLOAD_LIMIT);
    const content = randomBytes(size);
    // (from a file on disk: Playwright then hands Chromium the path, not the bytes over CDP)
    const dir = mkdtempSync(join(tmpdir(), "bench-io-"));
    const file = join(dir, "bench-io.bin");
    writeFileSync(file, content);
    // Timed in the page: from the input's change (or the button's click) to the message that says it is done.
    await page.evaluate(() => {
      const w = window as unknown as { __changeAt: number; __clickAt: number };
      document.addEventListener("change", () => (w.__changeAt = performance.now()), true);
    });
    const doneAt = async (text: string) => {
      await page.waitForFunction((text) => document.body.innerText.includes(text), text, { timeout: 600_000, polling: 20 });
      return page.evaluate(() => performance.now());
    };
    await page.getByLabel(/^Upload files into \/root/).setInputFiles(file);
    const upEnd = await doneAt("Uploaded /root/bench-io.bin");
    const upMs = upEnd - (await page.evaluate(() => (window as unknown as { __changeAt: number }).__changeAt));
    rmSync(dir, { recursive: true });
    figure(`upload ${(size / MiB).toFixed(0)} MiB (Chromium, the file chosen to "Uploaded")`, `${rate(size, upMs)} (${ms(upMs)})`, "32 MiB < 10 s");
    await page.getByLabel(/^Path of a file in the guest to download/).fill("/root/bench-io.bin");
    // (the first click only: the page saves the file with a click of its own)
    await page.evaluate(() => {
      const w = window as unknown as { __clickAt: number };
      document.addEventListener("click", () => (w.__clickAt = performance.now()), { capture: true, once: true });
    });
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 600_000 }),
      page.getByRole("button", { name: "Download", exact: true }).click(),
    ]);
    const downEnd = await doneAt("Downloaded /root/bench-io.bin");
    const downMs = downEnd - (await page.evaluate(() => (window as unknown as { __clickAt: number }).__clickAt));
    figure(`download ${(size / MiB).toFixed(0)} MiB (Chromium, Download clicked to "Downloaded")`, `${rate(size, downMs)} (${ms(downMs)})`, "32 MiB < 10 s");
    const path = await download.path();
    const { readFile } = await import("node:fs/promises");
    const back = await readFile(path);
    if (Buffer.compare(back, content) !== 0) throw new Error("the downloaded file differs from the uploaded one");
  } finally {
    await browser.dispose();
    if (server.pid) process.kill(-server.pid);
  }
}

/** rAF deltas (and when each frame came) and long tasks in the page, from now until stopFrameRecorder(). (A string: tsx wraps named functions in a helper the page lacks.) */
async function startFrameRecorder(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const w = window;
    w.__frames = [];
    w.__frameAt = [];
    w.__frameDrawn = [];
    w.__longTasks = [];
    w.__recording = true;
    let last = -1;
    const loop = (t) => {
      // (from the first frame on: a frame's time is when it began, before this ran)
      if (last >= 0) {
        w.__frames.push(t - last);
        w.__frameAt.push(t);
        w.__frameDrawn.push(w.__contained.output("main").drawn);
      }
      last = t;
      if (w.__recording) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    new PerformanceObserver((list) => {
      if (w.__recording) for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: "longtask" });
  })()`);
}

/** What the recorder saw; `since`: only the frames that began at or after it (performance.now()). */
async function stopFrameRecorder(
  page: Page,
  since = -Infinity,
): Promise<{ frames: number[]; began: number[]; drawn: number[]; longTasks: number[]; before: number[] }> {
  const seen = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __frameAt: number[]; __frameDrawn: number[]; __longTasks: number[]; __recording: boolean };
    w.__recording = false;
    return { frames: w.__frames, at: w.__frameAt, drawn: w.__frameDrawn, longTasks: w.__longTasks };
  });
  const began = (i: number) => seen.at[i] - seen.frames[i];
  const inside = seen.frames.map((_, i) => i).filter((i) => began(i) >= since);
  const before = seen.frames.filter((_, i) => began(i) < since);
  return {
    frames: inside.map((i) => seen.frames[i]),
    began: inside.map(began),
    drawn: inside.map((i) => seen.drawn[i]),
    longTasks: seen.longTasks,
    before,
  };
}

/** Starts a CDP trace of the page (`categories`); the function returned ends it and resolves to its events. */
async function startTrace(context: BrowserContext, page: Page, categories: string[] = TRACE_CATEGORIES): Promise<() => Promise<unknown[]>> {
  const cdp = await context.newCDPSession(page);
  const events: unknown[] = [];
  cdp.on("Tracing.dataCollected", (e) => events.push(...e.value));
  const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
  await cdp.send("Tracing.start", { traceConfig: { includedCategories: categories, recordMode: "recordContinuously" }, transferMode: "ReportEvents" });
  return async () => {
    await cdp.send("Tracing.end");
    await complete;
    await cdp.detach();
    return events;
  };
}

/**
 * V8's compiles of wasm in the page's process, as a trace of only "v8.wasm" (it costs the page
 * next to nothing) saw them: the emulator's JIT makes a wasm module of each hot stretch of guest
 * code (a page of it: JIT_LIMITS in worker/machine.ts), and V8 compiles it twice, at once
 * (Liftoff) and again once it runs hot (TurboFan), on the browser's background threads.
 * TurboFan's compiles: [ms since the key press's mark "bench:enter", ms it took].
 */
const WASM_COMPILE_CATEGORIES = ["v8.wasm", "blink.user_timing"];
function wasmCompiles(traced: unknown[]): { modules: number; topTier: Array<[number, number]> } {
  const events = traced as Array<{ name: string; ph: string; ts: number; dur?: number }>;
  const enter = events.find((e) => e.name === "bench:enter")?.ts ?? events[0]?.ts ?? 0;
  return {
    modules: events.filter((e) => e.name === "wasm.AsyncCompile").length,
    topTier: events.filter((e) => e.name === "wasm.TopTierCompilation" && e.ph === "X" && e.dur).map((e) => [(e.ts - enter) / 1000, e.dur! / 1000]),
  };
}

/** Types a command into the main shell (already focused) and presses Enter; resolves to when. */
async function enter(page: Page, command: string): Promise<number> {
  await page.keyboard.type(command);
  // (a mark too: a trace shows it, where the command began)
  await page.evaluate(() => ((window as unknown as { __t0: number }).__t0 = performance.mark("bench:enter").startTime));
  await page.keyboard.press("Enter");
  return page.evaluate(() => (window as unknown as { __t0: number }).__t0);
}

/** Waits until the main terminal has taken in `bytes` more than `from` and shows its prompt again. */
async function waitDrawn(page: Page, from: number, bytes: number, timeout: number): Promise<number> {
  await page.waitForFunction(([from, bytes]) => window.__contained!.output("main").drawn >= from + bytes, [from, bytes], { timeout, polling: 250 });
  await page.waitForFunction(() => /# $/.test(window.__contained!.terminalText("main").trimEnd() + " "), null, { timeout: 30_000, polling: 100 });
  return page.evaluate(() => window.__contained!.output("main").drawnAt);
}

/** `renderer`: "dom" makes WebGL unavailable to the page, "webgl" has it used even in software (an A/B of xterm's two renderers). */
async function browserIo(figure: Figure, renderer: "auto" | "dom" | "webgl"): Promise<void> {
  const server = await serve();
  const browser = await freshBrowser();
  const { page } = browser;
  try {
    if (renderer === "webgl") {
      // The page is told of a GPU: it then draws with WebGL, here in software (SwiftShader).
      await page.addInitScript(`(() => {
        const getParameter = WebGL2RenderingContext.prototype.getParameter;
        WebGL2RenderingContext.prototype.getParameter = function (name) {
          return name === 0x9246 ? "ANGLE (a GPU, said the bench)" : getParameter.call(this, name);
        };
      })()`);
    }
    if (renderer === "dom") {
      // No WebGL for the page: the terminal falls back to xterm's DOM renderer.
      await withoutWebGL(page);
    }
    await page.goto(`http://localhost:${PORT}/?mode=sandbox`);
    // (a page from before the renderer choice has no renderer() and draws with the DOM)
    // (a function, not a string: the page's CSP refuses eval, which a string predicate needs)
    await page.waitForFunction(
      () =>
        performance.getEntriesByName("contained:prompt").length > 0 &&
        (window.__contained as { renderer?: (id: "main") => string | null }).renderer?.("main") !== null,
      null,
      { timeout: 120_000 },
    );
    await page.locator(".xterm").first().click();
    const drawing = String(await page.evaluate(() => (window.__contained as { renderer?: (id: "main") => string | null }).renderer?.("main") ?? "dom"));
    const gl = await page.evaluate(() => {
      const gl = document.createElement("canvas").getContext("webgl2");
      const info = gl?.getExtension("WEBGL_debug_renderer_info");
      return gl ? String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : "none";
    });
    const how = { auto: "as the page chooses", dom: "WebGL made unavailable", webgl: "WebGL said to be a GPU's" }[renderer];
    figure(`terminal renderer (${how}; this Chromium's WebGL: ${gl})`, drawing);

    figure("keystroke to echo, idle, p50 (40 keys)", keystrokeFigure(await keystrokeLatency(page)), "< 30 ms");

    // What frames look like here without a flood: the page idle, and the guest busy with no output
    // (the emulator then takes a core, as during a flood).
    const frameFigure = (frames: number[], longTasks: number[]) =>
      `p99 ${ms(percentile(frames, 99))}, max ${ms(Math.max(...frames))}, ${frames.filter((f) => f > 100).length} over 100 ms; long tasks ${longTasks.length} (max ${ms(Math.max(0, ...longTasks))})`;
    await startFrameRecorder(page);
    await page.waitForTimeout(5000);
    const idle = await stopFrameRecorder(page);
    figure(`  frames, page idle for 5 s (${idle.frames.length})`, frameFigure(idle.frames, idle.longTasks));
    await startFrameRecorder(page);
    await enter(page, "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; echo bu''sy-done");
    await page.waitForFunction(() => window.__contained!.terminalText("main").includes("busy-done"), null, { timeout: 120_000, polling: 250 });
    const busy = await stopFrameRecorder(page);
    figure(`  frames, guest busy with no output (${busy.frames.length})`, frameFigure(busy.frames, busy.longTasks));

    const n = FLOOD_BYTES;
    // The guest's own ceiling in this browser: the flood into /dev/null (no tty), then to the
    // page with the page counting it drawn at once and drawing none of it (the tty, the worker and
    // the page's message path, but no xterm).
    // (first a warm-up of both, as in Node: v86 compiles the hot code)
    await page.evaluate(() => window.__contained!.discardOutput("main", true));
    const warmFrom = await page.evaluate(() => window.__contained!.output("main").drawn);
    await enter(page, `${FLOOD} 2000000 > /dev/null; ${FLOOD} 2000000`);
    await page.waitForFunction(([from, bytes]) => window.__contained!.output("main").drawn >= from + bytes, [warmFrom, floodOnScreen(2_000_000)], {
      timeout: 600_000,
      polling: 100,
    });
    await page.evaluate(() => window.__contained!.discardOutput("main", false));
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => /# $/.test(window.__contained!.terminalText("main").trimEnd() + " "), null, { timeout: 30_000, polling: 100 });
    let t0 = await enter(page, `${FLOOD} ${n} > /dev/null; echo nul-d''one`);
    await page.waitForFunction(() => window.__contained!.terminalText("main").includes("nul-done"), null, { timeout: 600_000, polling: 50 });
    let end = await page.evaluate(() => window.__contained!.output("main").drawnAt);
    figure(`guest ceiling: ${n / MB} MB of the flood into /dev/null (Chromium)`, `${rate(n, end - t0)} (${ms(end - t0)})`);
    await page.evaluate(() => window.__contained!.discardOutput("main", true));
    const discardFrom = await page.evaluate(() => window.__contained!.output("main").drawn);
    t0 = await enter(page, `${FLOOD} ${n}; echo flood-e''nd`);
    await page.waitForFunction(([from, bytes]) => window.__contained!.output("main").drawn >= from + bytes, [discardFrom, floodOnScreen(n)], {
      timeout: 600_000,
      polling: 100,
    });
    end = await page.evaluate(() => window.__contained!.output("main").drawnAt);
    await page.evaluate(() => window.__contained!.discardOutput("main", false));
    figure(`guest ceiling: ${n / MB} MB of the flood to the page, not drawn (Chromium)`, `${rate(floodOnScreen(n), end - t0)} (${ms(end - t0)})`);
    await page.keyboard.press("Enter"); // a prompt on the screen again
    await page.waitForFunction(() => /# $/.test(window.__contained!.terminalText("main").trimEnd() + " "), null, { timeout: 30_000, polling: 100 });

    const warmCommand = process.env.BENCH_IO_WARM_DRAWN;
    if (warmCommand) {
      // (an experiment: a drawn flood first, "1" or the command given, so the page has met one before the measured flood)
      const warm = await page.evaluate(() => window.__contained!.output("main").drawn);
      await enter(page, warmCommand === "1" ? `${FLOOD} 1000000; echo warm-d''one` : `${warmCommand}; echo warm-d''one`);
      await page.waitForFunction(
        (from) => window.__contained!.output("main").drawn > from && window.__contained!.terminalText("main").includes("warm-done"),
        warm,
        {
          timeout: 120_000,
          polling: 100,
        },
      );
      await page.waitForFunction(() => /# $/.test(window.__contained!.terminalText("main").trimEnd() + " "), null, { timeout: 30_000, polling: 100 });
    }
    const from = await page.evaluate(() => window.__contained!.output("main").drawn);
    // BENCH_IO_TRACE=file: a Chromium trace of the drawn flood (the same categories as scripts/trace-flood.ts)
    const trace = process.env.BENCH_IO_TRACE ? await startTrace(browser.context, page) : null;
    // (BENCH_IO_NO_JIT_TRACE=1: none, to see that the trace of V8's compiles does not move the frames)
    const compiles = trace || process.env.BENCH_IO_NO_JIT_TRACE ? null : await startTrace(browser.context, page, WASM_COMPILE_CATEGORIES);
    await startFrameRecorder(page);
    const host = hostCpu(browserPid(browser.profile));
    t0 = await enter(page, `${FLOOD} ${n}`);
    end = await waitDrawn(page, from, floodOnScreen(n), 600_000);
    const hostFigure = host();
    if (trace) writeFileSync(process.env.BENCH_IO_TRACE!, JSON.stringify({ traceEvents: await trace() }));
    const compiled = compiles && wasmCompiles(await compiles());
    // (the frames from the key press on: the recorder began a moment before, and a frame then, the
    // page still busy with the ceiling's flood, is not the drawn flood's; it is printed apart)
    const { frames, began, drawn, longTasks, before } = await stopFrameRecorder(page, t0);
    figure(`flood to the screen, ${n / MB} MB (Chromium)`, `${rate(floodOnScreen(n), end - t0)} (${ms(end - t0)})`, ">= 5 MB/s");
    figure(`  frames before its key press, since the recorder began (${before.length})`, before.map(ms).join(", ") || "none");
    figure(`  frames during it (${frames.length})`, frameFigure(frames, longTasks), "p99 < 33 ms, none over 100 ms");
    // (its first second apart: the emulator's JIT meets the new programs then, see below)
    const later = frames.filter((_, i) => began[i] - t0 >= 1000);
    figure(
      `  frames from its second second on (${later.length})`,
      `p99 ${ms(percentile(later, 99))}, max ${ms(Math.max(...later))}, ${later.filter((f) => f > 34).length} over 34 ms`,
    );
    if (compiled) {
      const sum = (compiles: Array<[number, number]>) => compiles.reduce((total, [, took]) => total + took, 0);
      figure(
        "  the emulator's JIT meanwhile: wasm modules V8 compiled, and its TurboFan compile time (background threads)",
        `${compiled.modules} modules; TurboFan ${ms(sum(compiled.topTier))} in all, ${ms(sum(compiled.topTier.filter(([at]) => at < 1000)))} of it begun in the first second (longest ${ms(Math.max(0, ...compiled.topTier.map(([, d]) => d)))})`,
      );
    }
    // (a flood drawn while other processes held the cores reads slow: this tells it apart)
    if (hostFigure) figure("  the host's CPU during it", hostFigure);
    // where in the flood its slow frames came (a start still warming up, or all along)
    const slow = frames.map((f, i) => [f, began[i] - t0, drawn[i] - from]).filter(([f]) => f > 34);
    // and how fast it drew, second by second (a first second still warming up, or all along)
    const perSecond: string[] = [];
    for (let second = 1, i = 0, last = from; i < began.length; second++) {
      while (i < began.length && began[i] - t0 < second * 1000) i++;
      const now = i > 0 ? drawn[i - 1] : from;
      perSecond.push(((now - last) / MB).toFixed(2));
      last = now;
    }
    figure("  MB drawn in each second of it", perSecond.join(", "));
    figure(
      `  its frames over 34 ms (${slow.length}), at ms since the key press (and how much of the flood was drawn by their end)`,
      slow.map(([f, at, done]) => `${ms(f)} at +${at.toFixed(0)} (${(done / MB).toFixed(2)} MB drawn)`).join(", ") || "none",
    );

    // Ctrl-C while `seq` floods: how long until the screen is quiet (its last byte drawn).
    await page.keyboard.press("Control+L");
    const seqFrom = await page.evaluate(() => window.__contained!.output("main").drawn);
    await enter(page, "seq 1 10000000");
    await page.waitForFunction((from) => window.__contained!.output("main").drawn > from + 500_000, seqFrom, { timeout: 120_000, polling: 50 });
    const pressed = await page.evaluate(() => performance.now());
    await page.keyboard.press("Control+C");
    await page.waitForFunction(() => /# $/.test(window.__contained!.terminalText("main").trimEnd() + " "), null, { timeout: 60_000, polling: 100 });
    // quiet: nothing more for a second
    let last = -1;
    for (;;) {
      const out = await page.evaluate(() => window.__contained!.output("main"));
      if (out.drawn === last) break;
      last = out.drawn;
      await page.waitForTimeout(1000);
    }
    const quiet = await page.evaluate(() => window.__contained!.output("main").drawnAt);
    figure("Ctrl-C on a running seq to a quiet screen (Chromium)", ms(quiet - pressed), "< 300 ms");
  } finally {
    await browser.dispose();
    if (server.pid) process.kill(-server.pid);
  }
}

export type BenchIoPart = "node" | "browser" | "browser-dom" | "browser-webgl" | "node-transfer" | "browser-transfer";

/** The default leaves out the renderer A/B runs (browser-dom, browser-webgl); node-transfer and browser-transfer are the transfers alone. */
export async function benchIo(figure: Figure, parts: BenchIoPart[] = ["node", "browser"]): Promise<void> {
  if (parts.includes("node")) await nodeIo(figure);
  else if (parts.includes("node-transfer")) await nodeTransfer(figure);
  if (parts.includes("browser")) await browserIo(figure, "auto");
  if (parts.includes("browser") || parts.includes("browser-transfer")) await browserTransfer(figure);
  if (parts.includes("browser-dom")) await browserIo(figure, "dom");
  if (parts.includes("browser-webgl")) await browserIo(figure, "webgl");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const parts = process.argv.slice(2) as BenchIoPart[];
  const figure: Figure = (name, value, target) => console.log(`  ${name}: ${value}${target ? `   (target ${target})` : ""}`);
  benchIo(figure, parts.length ? parts : undefined).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
