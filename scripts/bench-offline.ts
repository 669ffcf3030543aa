// The offline and embedding part of `npm run bench` (issue 13's figures): the built site on the
// plain static server (scripts/static-server.ts) under /docs/lab/, as the offline tests serve it,
// in Debian's Chromium with a profile of its own on disk.
//  - bytes a first visit transfers until the lab is usable, and until the whole disk is stored
//    for offline use; a repeat visit; a visit with the network off
//  - navigation to a usable prompt offline, beside the same visit online
//  - the example docs page (examples/docs/) on another origin than the lab: a lab scrolled into
//    view to its prompt, alone on the page and beside a second one already running
// Bytes are counted at the server: every byte it sent, headers included, whoever asked (the page,
// its workers, the service worker). The browser's own view (Playwright's request events, the
// service worker's included) is printed beside it: requests that reached the network, and those
// that failed.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "@playwright/test";
import { serveStatic, type StaticServer } from "./static-server";
import { CHROMIUM_ARGS, PORT, waitForStateKept } from "./bench-browser";

type Figure = (name: string, value: string, target?: string) => void;

/** Next to bench-browser's port (BENCH_PORT moves all three). */
const LAB_PORT = PORT + 1;
const DOCS_PORT = PORT + 2;
const BASE = "/docs/lab/";
const LAB_URL = `http://localhost:${LAB_PORT}${BASE}`;
/** Where examples/docs/index.html expects the lab (`npm start`); the bench's lab server stands in. */
const EXAMPLE_LAB_URL = "http://localhost:4173/";
/** BENCH_RUNS: fewer (or more) visits of each kind. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[], f: (n: number) => string) => `[${xs.map(f).join(", ")}]`;
const ms = (n: number) => `${n.toFixed(0)}`;
const kb = (n: number) => `${(n / 1e3).toFixed(1)} KB`;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
/** Each path requested, with how often: "/a.js ×3, /b.js". */
function tally(paths: string[]): string {
  const counts = new Map<string, number>();
  for (const path of paths) counts.set(path, (counts.get(path) ?? 0) + 1);
  return [...counts].map(([path, n]) => (n > 1 ? `${path} ×${n}` : path)).join(", ") || "nothing";
}

/** What the browser saw of the network: requests answered by it, by the service worker, and those that failed. */
class BrowserRequests {
  network = 0;
  fromServiceWorker = 0;
  failed: string[] = [];
  constructor(context: BrowserContext) {
    context.on("requestfinished", (request) => {
      void request.response().then((response) => {
        if (response?.fromServiceWorker()) this.fromServiceWorker++;
        else if (!request.url().startsWith("data:") && !request.url().startsWith("blob:")) this.network++;
      });
    });
    context.on("requestfailed", (request) => this.failed.push(`${new URL(request.url()).pathname} (${request.failure()?.errorText})`));
  }
  reset(): void {
    this.network = 0;
    this.fromServiceWorker = 0;
    this.failed = [];
  }
  describe(): string {
    return `browser: ${this.network} from the network, ${this.fromServiceWorker} from the service worker, ${this.failed.length} failed${this.failed.length ? ` (${this.failed.slice(0, 4).join(", ")})` : ""}`;
  }
}

interface Browser {
  context: BrowserContext;
  page: Page;
  requests: BrowserRequests;
  dispose(): Promise<void>;
}

async function freshBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "contained-bench-offline-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const requests = new BrowserRequests(context);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto("about:blank");
  await new Promise((r) => setTimeout(r, 1000)); // (a learner's browser is already up)
  return {
    context,
    page,
    requests,
    dispose: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the lab and waits for its prompt (the page's performance mark): ms since navigation. */
async function openLab(page: Page, query = ""): Promise<number> {
  await page.goto(LAB_URL + query);
  await page.waitForFunction(() => performance.getEntriesByName("contained:prompt").length > 0, null, { timeout: 120_000 });
  return page.evaluate(() => performance.getEntriesByName("contained:prompt")[0].startTime);
}

/** Waits until the page says the whole lab is stored for offline use. */
async function savedForOffline(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__contained?.offline()?.phase === "ready", null, { timeout: 300_000, polling: 250 });
}

/**
 * Waits until the server has had no request for `quietMs` (a service worker's update check, or
 * its install, may come after the prompt): what a visit transfers is counted after that.
 */
async function settle(server: StaticServer, quietMs = 2000): Promise<void> {
  let last = server.sent().requests.length;
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = server.sent().requests.length;
    if (now !== last) [last, quietSince] = [now, Date.now()];
  }
}

interface LabRun {
  firstPrompt: number;
  firstToUsable: number;
  firstToOffline: number;
  firstRequests: number;
  firstFiles: number;
  repeatBytes: number[];
  repeatRequests: string[];
  repeatBrowser: string;
  onlinePrompt: number[];
  offlinePrompt: number[];
  offlineBytes: number[];
  offlineRequests: string[];
  offlineBrowser: string;
}

/** One learner: a first visit in an empty profile, repeat visits online, then visits with the network off. */
async function labRun(server: StaticServer): Promise<LabRun> {
  const browser = await freshBrowser();
  const { page, context, requests } = browser;
  try {
    server.resetCount();
    const firstPrompt = await openLab(page);
    const firstToUsable = server.sent().bytes;
    await savedForOffline(page);
    await settle(server);
    const first = server.sent();

    const repeatBytes: number[] = [];
    const onlinePrompt: number[] = [];
    const repeatRequests: string[] = [];
    let repeatBrowser = "";
    for (let i = 0; i < RUNS; i++) {
      server.resetCount();
      requests.reset();
      onlinePrompt.push(await openLab(page));
      await savedForOffline(page);
      await settle(server);
      repeatBytes.push(server.sent().bytes);
      repeatRequests.push(...server.sent().requests);
      repeatBrowser = requests.describe();
    }

    await context.setOffline(true);
    const offlinePrompt: number[] = [];
    const offlineBytes: number[] = [];
    let offlineBrowser = "";
    const offlineRequests: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      server.resetCount();
      requests.reset();
      offlinePrompt.push(await openLab(page));
      await settle(server);
      offlineBytes.push(server.sent().bytes);
      offlineRequests.push(...server.sent().requests);
      offlineBrowser = requests.describe();
    }
    await context.setOffline(false);
    return {
      firstPrompt,
      firstToUsable,
      firstToOffline: first.bytes,
      firstRequests: first.requests.length,
      firstFiles: new Set(first.requests).size,
      repeatBytes,
      repeatRequests,
      repeatBrowser,
      onlinePrompt,
      offlinePrompt,
      offlineBytes,
      offlineRequests,
      offlineBrowser,
    };
  } finally {
    await browser.dispose();
  }
}

/** What the docs page and its labs say, for a lab that did not become ready (and a screenshot). */
async function embedState(page: Page): Promise<string> {
  const shot = join(tmpdir(), `contained-bench-embed-${Date.now()}.png`);
  await page.screenshot({ path: shot }).catch(() => {});
  const log = await page
    .locator("#event-log")
    .innerText()
    .catch(() => "?");
  const labs = await Promise.all(
    page.frames().map((frame) =>
      frame
        .evaluate(() => {
          const hook = window.__contained;
          return hook
            ? `${location.search} status ${hook.status()}, stage ${hook.stage()}, screen ${JSON.stringify(hook.terminalText("main").slice(-200))}`
            : "";
        })
        .catch((e: Error) => e.message),
    ),
  );
  return `events: ${JSON.stringify(log)}; labs: ${labs.filter(Boolean).join(" | ")}; screenshot ${shot}`;
}

/**
 * Scrolls the docs page's lab `id` into view: ms from the scroll to its contained-ready event
 * (the lab's prompt is up). The event is listened for before the scroll.
 */
async function scrollToReady(page: Page, id: string): Promise<number> {
  await page.evaluate((id) => {
    const lab = document.getElementById(id)!;
    const w = window as unknown as { __benchReady: Record<string, number>; __benchScrolled: Record<string, number> };
    w.__benchReady ??= {};
    w.__benchScrolled ??= {};
    lab.addEventListener("contained-ready", () => (w.__benchReady[id] ??= performance.now()), { once: true });
    w.__benchScrolled[id] = performance.now();
    lab.scrollIntoView({ block: "center" });
  }, id);
  const handle = await page
    .waitForFunction(
      (id) => {
        const w = window as unknown as { __benchReady?: Record<string, number>; __benchScrolled: Record<string, number> };
        const ready = w.__benchReady?.[id];
        return ready === undefined ? 0 : ready - w.__benchScrolled[id];
      },
      id,
      { timeout: 120_000, polling: 50 },
    )
    .catch(async (e: Error) => {
      throw new Error(`${id} never became ready: ${await embedState(page)}`, { cause: e });
    });
  return (await handle.jsonValue()) as number;
}

/**
 * The longest gap between two animation frames of the docs page while `during` runs: whether the
 * host page stays responsive while its labs start.
 */
async function longestFrameGap(page: Page, during: () => Promise<number>): Promise<{ result: number; gap: number }> {
  // (a string: tsx names a function defined inside evaluate with a helper the page lacks)
  await page.evaluate(`(() => {
    window.__benchGap = 0;
    window.__benchGapOn = true;
    let last = performance.now();
    requestAnimationFrame(function tick(now) {
      window.__benchGap = Math.max(window.__benchGap, now - last);
      last = now;
      if (window.__benchGapOn) requestAnimationFrame(tick);
    });
  })()`);
  const result = await during();
  const gap = await page.evaluate(() => {
    const w = window as unknown as { __benchGap: number; __benchGapOn: boolean };
    w.__benchGapOn = false;
    return w.__benchGap;
  });
  return { result, gap };
}

interface EmbedRun {
  coldOne: number;
  coldBytes: number;
  warmBytes: number;
  warmRequests: number;
  warmOne: number;
  warmSecond: number;
  gapOne: number;
  gapSecond: number;
}

/**
 * The docs page as a reader gets it: opened at its top, pushed below the fold (a spacer the bench
 * puts before its content, so that no lab is near the screen when the page loads), then its
 * welcome lab scrolled into view; on a later visit (the lab's files cached) the same, then its
 * sandbox lab too while the first keeps running.
 */
async function embedRun(docs: StaticServer, lab: StaticServer): Promise<EmbedRun> {
  const browser = await freshBrowser();
  const { page } = browser;
  const noLabStarted = () =>
    page.waitForFunction(() => [...document.querySelectorAll("contained-lab")].every((lab) => !lab.shadowRoot?.querySelector("iframe")));
  try {
    await page.goto(docs.url);
    await noLabStarted();
    lab.resetCount();
    const cold = await longestFrameGap(page, () => scrollToReady(page, "welcome-lab"));
    await settle(lab);
    const coldBytes = lab.sent().bytes;
    // Let the lab keep its decompressed state, as a reader's first visit would (an embed has no
    // service worker: a later visit takes the lab's files from the HTTP cache).
    const frame = page.frames().find((f) => f.url().startsWith(LAB_URL));
    if (frame) await waitForStateKept(frame);

    await page.goto(docs.url);
    await noLabStarted();
    lab.resetCount();
    const warm = await longestFrameGap(page, () => scrollToReady(page, "welcome-lab"));
    await settle(lab);
    const warmBytes = lab.sent().bytes;
    const warmRequests = lab.sent().requests.length;
    const second = await longestFrameGap(page, () => scrollToReady(page, "sandbox-lab"));
    return {
      coldOne: cold.result,
      coldBytes,
      warmBytes,
      warmRequests,
      warmOne: warm.result,
      warmSecond: second.result,
      gapOne: warm.gap,
      gapSecond: second.gap,
    };
  } finally {
    await browser.dispose();
  }
}

export async function benchOffline(figure: Figure): Promise<void> {
  // Playwright reports a service worker's own requests only when asked, before a browser starts.
  process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = "1";
  execFileSync("npx", ["vite", "build", "--logLevel", "error"], { stdio: "inherit" });
  const lab = await serveStatic({ root: "dist", base: BASE, port: LAB_PORT, host: "localhost" });
  const spacer = '<main><div data-bench-spacer style="height: 3000px"></div>';
  const docs = await serveStatic({
    root: "examples/docs",
    base: "/docs/",
    port: DOCS_PORT,
    transform: (path, text) => {
      const pointed = text.replaceAll(EXAMPLE_LAB_URL, LAB_URL);
      return path.endsWith("/") || path.endsWith(".html") ? pointed.replace("<main>", spacer) : pointed;
    },
  });
  try {
    const runs: LabRun[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await labRun(lab));
    const all = <K extends keyof LabRun>(key: K) => runs.map((r) => r[key]);
    const usable = all("firstToUsable");
    const whole = all("firstToOffline");
    figure(`first visit, bytes sent until the prompt (server count, median of ${RUNS})`, `${mb(median(usable))} ${spread(usable, mb)}`);
    figure(
      `first visit, bytes sent until the whole lab is stored for offline use (median of ${RUNS})`,
      `${mb(median(whole))} ${spread(whole, mb)} in ${median(all("firstRequests"))} requests for ${median(all("firstFiles"))} files`,
    );
    const repeat = runs.flatMap((r) => r.repeatBytes);
    figure(`repeat visit, bytes sent (median of ${repeat.length})`, `${kb(median(repeat))} ${spread(repeat, kb)}`, "< 10 KB");
    figure(
      "  repeat visit, what reached the server",
      `${tally(runs.flatMap((r) => r.repeatRequests))} in ${repeat.length} visits; last visit's ${runs[0].repeatBrowser}`,
    );
    const offline = runs.flatMap((r) => r.offlineBytes);
    figure(`network off, bytes sent (median of ${offline.length})`, `${median(offline)} B ${spread(offline, String)}`, "0");
    // (Chromium's emulated offline covers pages and workers, not the browser's own update check of
    // the service worker's script: that one still reaches the server; with the network really
    // off it fails, and tests/e2e/offline.spec.ts boots the lab with the server gone.)
    figure(
      "  network off, what reached the server",
      `${tally(runs.flatMap((r) => r.offlineRequests))} in ${offline.length} visits; last visit's ${runs[0].offlineBrowser}`,
    );
    const firstPrompt = all("firstPrompt");
    figure(`navigation to usable prompt, first visit (median of ${RUNS}, ms)`, `${ms(median(firstPrompt))} ${spread(firstPrompt, ms)}`);
    const online = runs.flatMap((r) => r.onlinePrompt);
    const off = runs.flatMap((r) => r.offlinePrompt);
    figure(`navigation to usable prompt, repeat visit online (median of ${online.length}, ms)`, `${ms(median(online))} ${spread(online, ms)}`);
    figure(`navigation to usable prompt, network off (median of ${off.length}, ms)`, `${ms(median(off))} ${spread(off, ms)}`);

    const embeds: EmbedRun[] = [];
    for (let i = 0; i < RUNS; i++) embeds.push(await embedRun(docs, lab));
    const e = <K extends keyof EmbedRun>(key: K) => embeds.map((r) => r[key]);
    figure(
      `embedded lab (docs page on another origin), scrolled into view to its prompt, first visit (median of ${RUNS}, ms)`,
      `${ms(median(e("coldOne")))} ${spread(e("coldOne"), ms)}; ${mb(median(e("coldBytes")))} sent`,
    );
    figure(
      `  the same, a later visit (the lab's files in the HTTP cache, ms)`,
      `${ms(median(e("warmOne")))} ${spread(e("warmOne"), ms)}; ${kb(median(e("warmBytes")))} sent in ${median(e("warmRequests"))} requests`,
    );
    figure(`  a second lab on the page scrolled into view while the first runs (ms)`, `${ms(median(e("warmSecond")))} ${spread(e("warmSecond"), ms)}`);
    figure(
      `  the docs page's longest frame gap while a lab starts: one, then the second (ms)`,
      `${ms(median(e("gapOne")))} ${spread(e("gapOne"), ms)}, ${ms(median(e("gapSecond")))} ${spread(e("gapSecond"), ms)}`,
    );
  } finally {
    await docs.close();
    await lab.close();
  }
}
