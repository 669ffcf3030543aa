// The Chromium snapshot bench's second half: the built site, a learner's browser. A reload to a
// usable prompt (performance mark "contained:prompt") that resumes the latest automatic
// snapshot, beside one that starts fresh (`?fresh`: the pre-booted state, kept in OPFS), for the
// booted lab and after the ready-root lesson's unpack; and that unpack's automatic save as the
// page sees it, with the page's frames meanwhile.
import type { Page } from "@playwright/test";
import { PORT, freshBrowser, serve, waitForStateKept } from "./bench-browser";

type Figure = (name: string, value: string, target?: string) => void;
/** Reloads of each kind (BENCH_RELOADS: more, for an A/B on a noisy machine). */
const RELOADS = Number(process.env.BENCH_RELOADS ?? 3);
const UNPACK = "mkdir -p /root/new-root && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/new-root; echo unpacked''-done";
const list = (xs: number[]) => `${[...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(0)} ms [${xs.map((x) => x.toFixed(0)).join(", ")}]`;

/** A visit to the lab in the sandbox (no lesson checks): ms from navigation to the usable prompt, and whether it resumed. */
async function visit(page: Page, fresh: boolean): Promise<{ prompt: number; resumed: boolean; parts: string }> {
  await page.goto(`http://localhost:${PORT}/?mode=sandbox${fresh ? "&fresh" : ""}`);
  await page.waitForFunction(() => performance.getEntriesByName("contained:prompt").length > 0, null, { timeout: 120_000 });
  const m = await page.evaluate(() => ({
    prompt: performance.getEntriesByName("contained:prompt")[0].startTime,
    resumed: window.__contained!.resumedFrom() !== null,
    start: performance.getEntriesByName("contained:start")[0]?.startTime ?? NaN,
    origin: performance.timeOrigin,
    t: window.__contained!.startTimeline(),
    r: window.__contained!.resumeTimeline(),
  }));
  const f = (n: number) => n.toFixed(0);
  const parts = m.t
    ? `start() ${f(m.start)}, worker ${f(m.t.calledAt - m.origin)} + manifest ${f(m.t.manifest)}, files ${f(m.t.files)}, machine ${f(m.t.machine)}, agent ${f(m.t.agent)}; prompt ${f(m.prompt)}${m.r ? `; resume: read ${f(m.r.read)}, assemble ${f(m.r.assemble)}, restore ${f(m.r.restore)}` : ""}`
    : "";
  return { prompt: m.prompt, resumed: m.resumed, parts };
}

/**
 * Resumed and fresh reloads, alternating (this machine's speed drifts), after one of each not
 * counted: the first reload after a first visit is the browser's first under the lab's service
 * worker and with its code caches cold, and it was the slowest of every list (by 100-300 ms),
 * which counted against whichever kind went first.
 */
async function reloads(page: Page): Promise<{ resumed: number[]; fresh: number[]; resumedParts: string; freshParts: string }> {
  const resumed: number[] = [];
  const fresh: number[] = [];
  let resumedParts = "";
  let freshParts = "";
  await visit(page, false);
  await visit(page, true);
  for (let i = 0; i < RELOADS; i++) {
    const r = await visit(page, false);
    if (!r.resumed) throw new Error("the reload did not resume the automatic snapshot");
    resumed.push(r.prompt);
    resumedParts = r.parts;
    const f = await visit(page, true);
    fresh.push(f.prompt);
    freshParts = f.parts;
  }
  await visit(page, false); // (the machine the learner left, for what comes next)
  return { resumed, fresh, resumedParts, freshParts };
}

/** Types a command into the main shell as a learner; resolves once the automatic save it leads to has finished. */
async function commandThenAutosave(
  page: Page,
  command: string,
  ends: string,
): Promise<{ ms: number; worstFrameGap: number; parts: string; compacted: number }> {
  // Every frame's time from here until the save has finished (a string: tsx wraps a named function in a helper the page lacks).
  await page.evaluate(`(() => {
    window.frames_ = [];
    window.stopFrames = false;
    const frame = (now) => {
      window.frames_.push(now);
      if (!window.stopFrames) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })()`);
  const before = await page.evaluate(() => window.__contained!.lastAutosave()?.startedAt ?? -1);
  await page.getByRole("tab", { name: "Shell", exact: true }).click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
  await page
    .waitForFunction((text) => window.__contained!.terminalText("main").includes(text), ends, { timeout: 180_000, polling: 250 })
    .catch(async (e) => {
      await page.screenshot({ path: "/tmp/bench-reload-failed.png" });
      throw new Error(
        `"${ends}" never showed (screen: ${JSON.stringify((await page.evaluate(() => window.__contained!.terminalText("main"))).slice(-300))}): ${e}`,
      );
    });
  // (the save 5 s after Enter may run while the command does: the one that counts starts after it ended)
  const ended = await page.evaluate(() => performance.now());
  await page.keyboard.type("true");
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    ([before, ended]) => {
      const last = window.__contained!.lastAutosave();
      return last !== null && last.startedAt > before && last.startedAt > ended && !window.__contained!.autosavePending();
    },
    [before, ended],
    { timeout: 300_000, polling: 100 },
  );
  // (the pass after the save compresses its blocks: a reload after it reads them compressed, as a later visit would)
  const compacted = await page.evaluate(async () => {
    const t0 = performance.now();
    await window.__contained!.snapshotsCompacted();
    return performance.now() - t0;
  });
  const save = await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; stopFrames?: boolean };
    w.stopFrames = true;
    const save = window.__contained!.lastAutosave()!;
    let worst = 0;
    for (let i = 1; i < w.frames_.length; i++)
      if (w.frames_[i] >= save.startedAt && w.frames_[i - 1] <= save.startedAt + save.ms) worst = Math.max(worst, w.frames_[i] - w.frames_[i - 1]);
    return { ms: save.ms, worstFrameGap: worst, parts: JSON.stringify(save.timeline, (_, v: unknown) => (typeof v === "number" ? Math.round(v) : v)) };
  });
  return { ...save, compacted };
}

export async function benchSnapshotReloads(figure: Figure): Promise<void> {
  const server = await serve();
  const browser = await freshBrowser();
  try {
    const { page } = browser;
    await visit(page, false);
    await waitForStateKept(page);
    const booted = await commandThenAutosave(page, "echo kept > /root/kept.txt; echo kept''-done", "kept-done");
    figure(
      "Chromium page: automatic save of the booted lab, as the page waits for it",
      `${booted.ms.toFixed(0)} ms, worst frame gap meanwhile ${booted.worstFrameGap.toFixed(0)} ms (${booted.parts}); its blocks compressed ${booted.compacted.toFixed(0)} ms after`,
    );
    const b = await reloads(page);
    figure(
      `Chromium page: reload to a usable prompt, resuming the booted lab (median of ${RELOADS})`,
      `${list(b.resumed)} (last: ${b.resumedParts})`,
      "< 700 ms, no slower than fresh",
    );
    figure(`Chromium page: reload to a usable prompt, fresh (?fresh, alternating with the above)`, `${list(b.fresh)} (last: ${b.freshParts})`);
    const unpack = await commandThenAutosave(page, UNPACK, "unpacked-done");
    figure(
      "Chromium page: automatic save after the minbase unpack, as the page waits for it (until stored)",
      `${unpack.ms.toFixed(0)} ms, worst frame gap meanwhile ${unpack.worstFrameGap.toFixed(0)} ms (${unpack.parts}); its blocks compressed ${unpack.compacted.toFixed(0)} ms after`,
      "< 1000 ms, the page responsive",
    );
    const u = await reloads(page);
    figure(`Chromium page: reload to a usable prompt, resuming after the unpack (median of ${RELOADS})`, `${list(u.resumed)} (last: ${u.resumedParts})`);
    figure(`Chromium page: reload to a usable prompt, fresh (alternating with the above)`, `${list(u.fresh)} (last: ${u.freshParts})`);
  } finally {
    await browser.dispose();
    if (server.pid) process.kill(-server.pid);
  }
}
