// Where a flood's long frames go, in Chromium on the built site with xterm's DOM renderer:
// `npx tsx scripts/trace-flood.ts [MB]` (BENCH_PORT as for the bench). It records a performance
// trace (CDP Tracing, with V8's sampling profiler) of a flood of the learner's shell and prints
// (1) the page's main-thread time by kind of work (script, style, layout, paint, GC, ...), over
// the whole flood and inside tasks over 50 ms, (2) the JavaScript functions that took the most
// self time, (3) the longest tasks, each with what filled it. TRACE_OUT=file keeps the raw trace
// (open it in DevTools' Performance panel). TRACE_NO_PROFILER=1 leaves out V8's sampling profiler
// (no functions then, but the page's tasks as long as without a trace: with it, 2-4x their CPU).
import { writeFileSync } from "node:fs";
import { freshBrowser, PORT, serve, withoutWebGL } from "./bench-browser";

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
  id?: string;
}

const MB = 1e6;
const floodBytes = Number(process.argv[2] ?? 5) * MB;
export const TRACE_CATEGORIES = [
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "disabled-by-default-devtools.timeline.frame",
  "v8",
  "v8.execute",
  "blink",
  "blink.user_timing",
  ...(process.env.TRACE_NO_PROFILER ? [] : ["disabled-by-default-v8.cpu_profiler"]),
  "toplevel",
  // what the renderer's thread pool does (V8 compiling and tiering up wasm, its GC; blink's tasks)
  "v8.wasm",
  "disabled-by-default-v8.wasm.detailed",
  "disabled-by-default-v8.compile",
  ...(process.env.TRACE_CATEGORIES?.split(",") ?? []),
];

/** What kind of work a trace event is, for the main thread's time by kind (null: a container, not counted itself). */
function kind(name: string): string | null {
  if (/^(MinorGC|MajorGC|V8\.GC|BlinkGC|ThreadState::|GCEvent|V8.GC_)/.test(name) || /GC/.test(name)) return "gc";
  if (["UpdateLayoutTree", "RecalculateStyles", "ScheduleStyleRecalculation", "ParseAuthorStyleSheet"].includes(name)) return "style";
  if (["Layout", "UpdateLayerTree", "IntersectionObserverController::computeIntersections", "LayoutShift"].includes(name)) return "layout";
  if (["Paint", "PrePaint", "PaintImage", "RasterTask", "CompositeLayers", "Layerize", "Commit", "UpdateLayer"].includes(name)) return "paint";
  if (
    ["FunctionCall", "EvaluateScript", "v8.compile", "V8.Execute", "v8.run", "TimerFire", "FireAnimationFrame", "EventDispatch", "v8.callFunction"].includes(
      name,
    )
  )
    return "script";
  if (["HitTest", "ResourceReceivedData", "ParseHTML"].includes(name)) return "other";
  return null;
}

async function main(): Promise<void> {
  const server = await serve();
  const browser = await freshBrowser();
  const { page, context } = browser;
  try {
    await withoutWebGL(page);
    await page.goto(`http://localhost:${PORT}/?mode=sandbox`);
    await page.waitForFunction(() => performance.getEntriesByName("contained:prompt").length > 0 && window.__contained!.renderer("main") !== null, null, {
      timeout: 120_000,
    });
    if (process.env.TRACE_AFTER_FILL) {
      // the disk's fill for offline use runs after a first start: wait it out, to see the flood alone
      await page.waitForFunction(() => ["ready", "failed", undefined].includes(window.__contained!.offline()?.phase), null, { timeout: 300_000, polling: 500 });
    }
    await page.locator(".xterm").first().click();
    // warm: the emulator compiles the hot code, the page's code is optimised. TRACE_COLD=1: the
    // warm-up's output is not drawn (as in bench-io, whose ceiling floods come first): the
    // terminal's own code meets its first flood in the trace.
    const cold = Boolean(process.env.TRACE_COLD);
    if (cold) await page.evaluate(() => window.__contained!.discardOutput("main", true));
    const warmFrom = await page.evaluate(() => window.__contained!.output("main").drawn);
    await page.keyboard.type("yes 0123456789abcdef | head -c 1000000\n");
    await page.waitForFunction((from) => window.__contained!.output("main").drawn >= from + 1_000_000, warmFrom, { timeout: 120_000, polling: 200 });
    if (cold) {
      await page.evaluate(() => window.__contained!.discardOutput("main", false));
      await page.keyboard.press("Enter"); // a prompt on the screen again
    }
    await page.waitForFunction(() => /# $/.test(window.__contained!.terminalText("main").trimEnd() + " "), null, { timeout: 120_000, polling: 200 });

    const cdp = await context.newCDPSession(page);
    const events: TraceEvent[] = [];
    cdp.on("Tracing.dataCollected", (e) => events.push(...(e.value as unknown as TraceEvent[])));
    const complete = new Promise<void>((resolve) => cdp.once("Tracing.tracingComplete", () => resolve()));
    await cdp.send("Tracing.start", { traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: "recordContinuously" }, transferMode: "ReportEvents" });

    await page.evaluate(`(() => {
      const w = window;
      w.__frames = [];
      w.__recording = true;
      let last = performance.now();
      const loop = (t) => { w.__frames.push(t - last); last = t; if (w.__recording) requestAnimationFrame(loop); };
      requestAnimationFrame(loop);
    })()`);
    const from = await page.evaluate(() => window.__contained!.output("main").drawn);
    const t0 = Date.now();
    await page.keyboard.type(`yes 0123456789abcdef | head -c ${floodBytes}\n`);
    const expected = floodBytes + Math.floor(floodBytes / 17);
    await page.waitForFunction(([from, n]) => window.__contained!.output("main").drawn >= from + n, [from, expected], { timeout: 600_000, polling: 250 });
    const wall = Date.now() - t0;
    const frames = (await page.evaluate("(() => { window.__recording = false; return window.__frames; })()")) as number[];
    await cdp.send("Tracing.end");
    await complete;
    if (process.env.TRACE_OUT) writeFileSync(process.env.TRACE_OUT, JSON.stringify({ traceEvents: events }));

    const sortedFrames = [...frames].sort((a, b) => a - b);
    const pct = (p: number) => sortedFrames[Math.min(sortedFrames.length - 1, Math.floor((sortedFrames.length * p) / 100))].toFixed(0);
    console.log(
      `flood ${floodBytes / MB} MB: ${(((expected / MB) * 1000) / wall).toFixed(2)} MB/s (${wall} ms); frames ${frames.length}: p50 ${pct(50)}, p99 ${pct(99)}, max ${sortedFrames.at(-1)!.toFixed(0)}, over 100 ms ${frames.filter((f) => f > 100).length}`,
    );
    analyse(events);
  } finally {
    await browser.dispose();
    if (server.pid) process.kill(-server.pid);
  }
}

function analyse(events: TraceEvent[]): void {
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") threadNames.set(`${e.pid}:${e.tid}`, e.args?.name ?? "");
  // the page's main thread: the renderer main with the most FunctionCall time
  const byThread = new Map<string, number>();
  for (const e of events)
    if (e.ph === "X" && e.name === "FunctionCall") byThread.set(`${e.pid}:${e.tid}`, (byThread.get(`${e.pid}:${e.tid}`) ?? 0) + (e.dur ?? 0));
  const threads = [...byThread.entries()].sort((a, b) => b[1] - a[1]);
  console.log(
    "threads by script time:",
    threads
      .slice(0, 4)
      .map(([t, d]) => `${threadNames.get(t) ?? t} ${(d / 1000).toFixed(0)} ms`)
      .join(", "),
  );
  const main = threads.find(([t]) => threadNames.get(t) === "CrRendererMain")?.[0] ?? threads[0][0];
  const mine = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === "X" && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasks = mine.filter((e) => e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask");
  const topTasks: TraceEvent[] = [];
  let end = -1;
  for (const t of tasks) {
    if (t.ts < end) continue;
    topTasks.push(t);
    end = t.ts + t.dur!;
  }
  const span = topTasks.length ? topTasks.at(-1)!.ts + topTasks.at(-1)!.dur! - topTasks[0].ts : 0;
  const busy = topTasks.reduce((s, t) => s + t.dur!, 0);
  // tdur: the thread's own CPU time, which the host's load (other processes on the cores) moves far less than wall time
  const cpu = topTasks.reduce((s, t) => s + ((t as { tdur?: number }).tdur ?? 0), 0);
  console.log(
    `main thread: ${topTasks.length} tasks, busy ${(busy / 1000).toFixed(0)} of ${(span / 1000).toFixed(0)} ms wall, ${(cpu / 1000).toFixed(0)} ms CPU (${(cpu / 1000 / (floodBytes / MB)).toFixed(0)} ms per MB)`,
  );
  // every thread's CPU (its outermost events' tdur): the emulator's worker, raster, compositor, GPU process
  const threadCpu = new Map<string, number>();
  const threadEnd = new Map<string, number>();
  const processNames = new Map<number, string>();
  for (const e of events) if (e.ph === "M" && e.name === "process_name") processNames.set(e.pid, e.args?.name ?? "");
  for (const e of [...events].filter((e) => e.ph === "X" && (e as { tdur?: number }).tdur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)) {
    const key = `${e.pid}:${e.tid}`;
    if ((threadEnd.get(key) ?? -1) > e.ts) continue;
    threadEnd.set(key, e.ts + e.dur!);
    const name = `${processNames.get(e.pid) ?? e.pid}/${threadNames.get(key) ?? e.tid}`;
    threadCpu.set(name, (threadCpu.get(name) ?? 0) + (e as { tdur?: number }).tdur!);
  }
  console.log(
    "CPU by thread (ms per MB): " +
      [...threadCpu]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, d]) => `${k} ${(d / 1000 / (floodBytes / MB)).toFixed(0)}`)
        .join(", "),
  );
  const cpuOf = (t: TraceEvent) => ((t as { tdur?: number }).tdur ?? 0) / 1000;
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (p: number) => (s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN).toFixed(1);
    return `${s.length}: p50 ${at(50)}, p90 ${at(90)}, p99 ${at(99)}, max ${at(100)} ms CPU`;
  };
  const frameStarts = mine.filter((e) => e.name === "WebFrameWidgetImpl::BeginMainFrame").map((e) => e.ts);
  let f = 0;
  const frameTasks = topTasks.filter((t) => {
    while (f < frameStarts.length && frameStarts[f] < t.ts) f++;
    return f < frameStarts.length && frameStarts[f] < t.ts + t.dur!;
  });
  console.log(`  frame tasks ${stats(frameTasks.map(cpuOf))}`);
  console.log(`  other tasks ${stats(topTasks.filter((t) => !frameTasks.includes(t)).map(cpuOf))}`);

  /** Self time by kind and by event name within [from, to) (nested events: a child's time is taken from its parent's). */
  const breakdown = (inside: TraceEvent[]) => {
    const self = new Map<string, number>();
    const stack: TraceEvent[] = [];
    const selfOf = new Map<TraceEvent, number>();
    for (const e of inside) {
      while (stack.length && stack.at(-1)!.ts + stack.at(-1)!.dur! <= e.ts) stack.pop();
      const parent = [...stack].reverse().find((p) => kind(p.name) !== null);
      if (kind(e.name) !== null) {
        selfOf.set(e, e.dur!);
        if (parent) selfOf.set(parent, selfOf.get(parent)! - e.dur!);
      }
      stack.push(e);
    }
    for (const [e, d] of selfOf) self.set(`${kind(e.name)}:${e.name}`, (self.get(`${kind(e.name)}:${e.name}`) ?? 0) + d);
    return self;
  };
  const print = (title: string, self: Map<string, number>) => {
    const byKind = new Map<string, number>();
    for (const [k, d] of self) byKind.set(k.split(":")[0], (byKind.get(k.split(":")[0]) ?? 0) + d);
    console.log(
      `${title}: ` +
        [...byKind]
          .sort((a, b) => b[1] - a[1])
          .map(([k, d]) => `${k} ${(d / 1000).toFixed(0)}`)
          .join(", ") +
        " ms",
    );
    console.log(
      "   " +
        [...self]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([k, d]) => `${k} ${(d / 1000).toFixed(0)}`)
          .join(", "),
    );
  };
  print("all main-thread work by kind", breakdown(mine));
  const long = topTasks.filter((t) => t.dur! > 50_000);
  const inLong = mine.filter((e) => long.some((t) => e.ts >= t.ts && e.ts < t.ts + t.dur!));
  print(`inside the ${long.length} tasks over 50 ms`, breakdown(inLong));
  for (const t of [...long].sort((a, b) => b.dur! - a.dur!).slice(0, 6)) {
    const inside = mine.filter((e) => e.ts >= t.ts && e.ts < t.ts + t.dur!);
    const self = breakdown(inside);
    console.log(
      `  task ${(t.dur! / 1000).toFixed(0)} ms at +${((t.ts - topTasks[0].ts) / 1000).toFixed(0)}: ` +
        [...self]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([k, d]) => `${k} ${(d / 1000).toFixed(0)}`)
          .join(", "),
    );
  }
  jsProfile(events, main);
}

/** Self time by JavaScript function from V8's sampling profiler on the main thread (its Profile's id names its chunks; other threads' node ids collide). */
function jsProfile(events: TraceEvent[], main: string): void {
  const profile = events.find((e) => e.name === "Profile" && `${e.pid}:${e.tid}` === main);
  if (!profile) return;
  const nodes = new Map<number, { functionName: string; url?: string; lineNumber?: number; columnNumber?: number }>();
  const self = new Map<string, number>();
  for (const e of events) {
    if (e.name !== "ProfileChunk" || e.id !== profile.id || e.pid !== profile.pid) continue;
    const chunk = e.args?.data as
      | {
          cpuProfile?: {
            nodes?: Array<{ id: number; callFrame: { functionName: string; url?: string; lineNumber?: number; columnNumber?: number } }>;
            samples?: number[];
          };
          timeDeltas?: number[];
        }
      | undefined;
    for (const n of chunk?.cpuProfile?.nodes ?? []) nodes.set(n.id, n.callFrame);
    const samples = chunk?.cpuProfile?.samples ?? [];
    const deltas = chunk?.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const f = nodes.get(samples[i]);
      if (!f) continue;
      const key = `${f.functionName || "(anonymous)"} ${f.url?.split("/").pop() ?? ""}:${f.lineNumber ?? ""}:${f.columnNumber ?? ""}`;
      self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0));
    }
  }
  console.log("main thread's JS by self time (sampled; (program) is the browser's own work: style, layout, paint):");
  for (const [k, d] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`   ${(d / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
