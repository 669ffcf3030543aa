// The lab as a learner who studies offline gets it: the built site on a plain static file server
// (scripts/static-server.ts: no Vite, no special headers) under a sub-path. After one visit the
// service worker has the app and the firmware and state, and the page has stored the whole disk;
// a repeat visit downloads nothing but the service worker's update check; with the network off
// and the server gone, the lab boots, runs commands, saves and restores a snapshot, and passes a
// lesson step reading files never read.
import { statSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { serveStatic, type StaticServer } from "../../scripts/static-server";
import { LabPage, PROMPT_AT_END } from "./lab-page";
import { builtFiles } from "./built-site";

const PORT = 4180;
const BASE = "/docs/lab/";
test.use({ baseURL: `http://127.0.0.1:${PORT}${BASE}` });

let server: StaticServer;
test.beforeAll(async () => {
  server = await serveStatic({ root: "dist", base: BASE, port: PORT });
});
test.afterAll(async () => {
  await server?.close();
});

/** Waits until the page says the whole lab is saved for offline use. */
async function savedForOffline(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__contained?.offline()?.phase === "ready", null, { timeout: 120_000, polling: 250 });
  await expect(page.getByTestId("offline-status")).toContainText("Works offline");
}

test("every file of the built site fits common static hosts' per-file limits", () => {
  const files = builtFiles("dist");
  const largest = files.reduce((a, b) => (b.size > a.size ? b : a));
  test.info().annotations.push({ type: "largest file", description: `${largest.path}: ${largest.size} bytes of ${files.length} files` });
  // Cloudflare Pages takes files up to 25 MiB (GitHub Pages 100 MB), and 20,000 files.
  expect(largest.size).toBeLessThan(25 * 1024 * 1024);
  expect(files.length).toBeLessThan(20_000);
  expect(statSync("dist/sw.js").size).toBeLessThan(10_000);
});

test("after one visit the lab works with the network off: it boots, runs commands, a snapshot saves and restores, and a lesson step reading files never read before passes", async ({
  page,
  context,
}, testInfo) => {
  const lab = new LabPage(page, testInfo);
  server.resetCount();
  await lab.open();
  await savedForOffline(page);
  // (the disk's fill ran in a worker of its own, off the page's thread)
  expect(await page.evaluate(() => window.__contained!.offline()!.filledIn)).toBe("worker");
  const first = server.sent();
  testInfo.annotations.push({ type: "first visit", description: `${first.bytes} bytes in ${first.requests.length} requests` });

  // A repeat visit: only the service worker's update check reaches the server.
  server.resetCount();
  await lab.open();
  await savedForOffline(page);
  const repeat = server.sent();
  testInfo.annotations.push({ type: "repeat visit", description: `${repeat.bytes} bytes: ${repeat.requests.join(", ")}` });
  expect(repeat.requests.filter((path) => !path.endsWith("/sw.js"))).toEqual([]);
  expect(repeat.bytes).toBeLessThan(10_000);

  // The network off, and the server gone too. Every request of the page and its workers is
  // answered from the caches: none fails (one that did would be a file never stored).
  await context.setOffline(true);
  await server.close();
  const failed: string[] = [];
  context.on("requestfailed", (request) => {
    // (a read the machine itself gave up, as a restore does with the disk reads under way, is
    // aborted: not a file missing from the caches, which fails as a network error)
    if (request.failure()?.errorText !== "net::ERR_ABORTED") failed.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  await lab.open("?lesson=chroot&step=1");
  // Chromium 150 gives a document loaded under Playwright's offline emulation navigator.onLine
  // === true (the one CI had before gave false): the emulation is set again, and the page hears
  // the browser go offline. (The server is gone: nothing gets through meanwhile.)
  if (await page.evaluate(() => navigator.onLine)) {
    await context.setOffline(false);
    await context.setOffline(true);
  }
  await expect(page.getByTestId("offline-status")).toContainText("Offline");
  await lab.run("main", "echo offline-$((6*7))");
  await lab.waitForText("main", /^offline-42$/m);
  // A snapshot saves and restores with the network off (IndexedDB, nothing fetched).
  await lab.run("main", "echo studied > /root/offline-note.txt");
  await page.getByRole("button", { name: "Snapshots…" }).click();
  await page.getByTestId("snapshot-name").fill("offline");
  await page.getByRole("button", { name: "Save snapshot" }).click();
  await expect(page.getByTestId("snapshot-notice")).toHaveText("Saved “offline”.");
  await page.keyboard.press("Escape");
  await lab.run("main", "rm /root/offline-note.txt; ls /root/offline-note.txt 2>&1 | grep -c 'No such'");
  await lab.waitForText("main", /^1$/m);
  await page.getByRole("button", { name: "Snapshots…" }).click();
  await page.locator("[data-snapshot]", { hasText: "offline" }).getByRole("button", { name: "Restore" }).click();
  await expect(page.getByTestId("snapshot-notice")).toContainText("Restored “offline”");
  await page.keyboard.press("Escape");
  await lab.run("main", "clear; echo note=$(cat /root/offline-note.txt)");
  await lab.waitForText("main", /^note=studied$/m);
  // The minbase tarball: 30 MB of disk that nothing read before this.
  await lab.run("main", "tar -tf /opt/rootfs/debian-bookworm-minbase.tar | wc -l");
  await lab.waitForText("main", /^\d{3,}$/m, 120_000);
  const step = page.locator('[data-step="01-a-root-of-your-own"]');
  await step.getByRole("button", { name: "Show me" }).click();
  await step.getByRole("button", { name: "Type it for me" }).click();
  await expect(step).toHaveAttribute("data-status", "passed", { timeout: 120_000 });
  await lab.waitForText("main", PROMPT_AT_END);
  expect(failed).toEqual([]);
  await lab.screenshot("offline-lesson");
  server = await serveStatic({ root: "dist", base: BASE, port: PORT });
});
