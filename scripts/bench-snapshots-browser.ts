// `npm run bench snapshots-browser`: scripts/snapshot-probe.ts in Chromium, from the dev server
// (the probe is not part of the built site). A machine of its own, real IndexedDB.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import type { ProbeFigures } from "./snapshot-probe";
import { SAVE_VARIANTS } from "./save-variants";
import { echoSummary } from "./echo-sampler";
import { benchSnapshotReloads } from "./bench-snapshots-reload";
import { CHROMIUM_ARGS } from "./bench-browser";

/** BENCH_PORT moves the server, for a bench beside someone else's. */
const PORT = Number(process.env.BENCH_PORT ?? 4176);

type Figure = (name: string, value: string, target?: string) => void;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const list = (xs: number[]) => `${ms(median(xs))} [${xs.map((x) => x.toFixed(0)).join(", ")}]`;
/** The run with the median time, and its parts. */
function medianRun<T extends { ms: number; timeline: object }>(runs: T[]): string {
  const run = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)];
  const parts = Object.entries(run.timeline)
    .map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(0) : String(v)}`)
    .join(", ");
  return `${ms(run.ms)} [${runs.map((r) => r.ms.toFixed(0)).join(", ")}] (median run: ${parts})`;
}

export async function benchSnapshotsBrowser(figure: Figure): Promise<void> {
  const server = spawn("npx", ["vite", "--port", String(PORT), "--strictPort"], { stdio: "ignore", detached: true });
  const profile = mkdtempSync(join(tmpdir(), "contained-bench-snap-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined,
    args: CHROMIUM_ARGS,
  });
  try {
    for (let i = 0; i < 150; i++) {
      const up = await fetch(`http://localhost:${PORT}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://localhost:${PORT}/?backend=fake`);
    // (the dev server serves the probe's source; a string the compiler does not resolve)
    const probe = "/scripts/snapshot-probe.ts";
    const f = (await page.evaluate((url) => import(url).then((m: { probe(withUnpack: boolean): Promise<unknown> }) => m.probe(true)), probe)) as ProbeFigures;
    figure(
      "Chromium: booted lab, first snapshot into an empty store, save",
      `${medianRun([{ ms: f.firstSave, timeline: f.firstTimeline }])}, ${mb(f.firstAdded)} stored`,
      "< 500 ms",
    );
    figure("Chromium: next snapshot after a file edited, save (median of 5)", medianRun(f.edits));
    figure("Chromium: next snapshot after a file edited, storage added once compressed (median of 5)", mb(median(f.edits.map((e) => e.added))), "< 1 MB");
    figure("Chromium: restore (median of 3)", medianRun(f.restores));
    figure("Chromium: start (to the agent's answer) from the pre-booted state, in the worker (median of 3)", list(f.freshStarts));
    figure("Chromium: start resuming the latest snapshot instead (median of 3)", list(f.resumedStarts), "no slower than the above");
    if (f.unpack) {
      figure(
        `Chromium: after the minbase unpack, save (median of ${f.unpack.saves.length})`,
        `${medianRun(f.unpack.saves)}, ${mb(median(f.unpack.saves.map((s) => s.rawAdded)))} written raw, ${mb(median(f.unpack.saves.map((s) => s.added)))} once compressed by the pass after it (${list(f.unpack.saves.map((s) => s.compacted))} after the save)`,
        "< 1000 ms",
      );
      const mid = [...f.unpack.saves].sort((a, b) => a.ms - b.ms)[f.unpack.saves.length >> 1];
      figure("Chromium: keys typed during that save (median run)", echoSummary(mid.echoes));
      for (const [v, variant] of SAVE_VARIANTS.entries()) {
        const runs = f.unpack.variants[v];
        const keys = runs.flatMap((r) => r.echoes);
        figure(
          `Chromium A/B, after the unpack, save with ${variant.name} (${runs.length} runs, alternating)`,
          `${medianRun(runs)}; keys typed: ${echoSummary(keys)}; the pass after it: ${list(runs.map((r) => r.compacted))}`,
        );
      }
      figure("Chromium: keys typed for 2 s after the unpack, no save running (the guest writes back meanwhile)", echoSummary(f.unpack.idleEchoes));
      figure(
        "Chromium: after the unpack, next save after a file edited",
        `${medianRun([{ ms: f.unpack.nextSave, timeline: f.unpack.nextTimeline }])}, ${mb(f.unpack.nextAdded)} added`,
        "< 1 MB",
      );
      figure("Chromium: after the unpack, restore", ms(f.unpack.restore));
      const r = f.unpack.resumes;
      figure("Chromium: after the unpack, start resuming its snapshot, its blocks compressed (median of 3)", list(r.resumed));
      figure("Chromium: after the unpack, start from the pre-booted state, alternating with the above", list(r.fresh));
    }
    if (f.usage !== null) figure("Chromium: storage this site uses (navigator.storage.estimate)", mb(f.usage));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    if (server.pid) process.kill(-server.pid);
  }
  // (the built site is served on the same port: once the dev server has let it go)
  for (
    let i = 0;
    i < 50 &&
    (await fetch(`http://localhost:${PORT}/`).then(
      () => true,
      () => false,
    ));
    i++
  )
    await new Promise((r) => setTimeout(r, 200));
  await benchSnapshotReloads(figure);
}
