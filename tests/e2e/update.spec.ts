// A new version deployed over the one a learner has: the page keeps running the version it
// started with (all of its files from the service worker's cache), says a new one is ready, and
// after the learner's Reload runs the new one, whole.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { serveStatic, type StaticServer } from "../../scripts/static-server";
import { LabPage } from "./lab-page";

const PORT = 4181;
const BASE = "/lab/";
const NEW_BUILD = "update-test-v2";
test.use({ baseURL: `http://127.0.0.1:${PORT}${BASE}` });

let server: StaticServer;
let newSite: string;
test.beforeAll(async () => {
  // The same sources built again as another version (the build id is in the page and its scripts).
  newSite = join(mkdtempSync(join(tmpdir(), "contained-v2-")), "dist");
  execFileSync("npx", ["vite", "build", "--outDir", newSite, "--emptyOutDir", "--logLevel", "error"], {
    env: { ...process.env, CONTAINED_BUILD: NEW_BUILD },
    stdio: "inherit",
  });
  server = await serveStatic({ root: "dist", base: BASE, port: PORT });
});
test.afterAll(async () => {
  await server?.close();
  if (newSite) rmSync(join(newSite, ".."), { recursive: true, force: true });
});

const build = (lab: LabPage) => lab.page.evaluate(() => window.__contained!.build());

test("a new build served over the old one: the page says a new version is ready, and after Reload runs the new one", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const oldBuild = await build(lab);
  expect(oldBuild).not.toBe(NEW_BUILD);
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === "activated" && navigator.serviceWorker.controller !== null);

  server.setRoot(newSite);
  await lab.open();
  // Still the version the service worker has; the new one waits.
  expect(await build(lab)).toBe(oldBuild);
  const banner = page.getByTestId("update-banner");
  await expect(banner).toContainText("A new version of the lab is ready");
  await lab.run("main", "echo still-$((6*7))");
  await lab.waitForText("main", /^still-42$/m);
  await lab.screenshot("update-ready");
  // The first visit has stored the whole disk for offline use (it does so in the background):
  // from here on nothing of the image may be fetched again.
  await page.waitForFunction(() => window.__contained?.offline()?.phase === "ready", null, { timeout: 120_000, polling: 250 });

  server.resetCount();
  await Promise.all([page.waitForEvent("load"), banner.getByRole("button", { name: "Reload" }).click()]);
  await lab.waitForText("main", /[#$]\s*$/, 120_000);
  expect(await build(lab)).toBe(NEW_BUILD);
  await expect(page.getByTestId("update-banner")).toHaveCount(0);
  await lab.run("main", "echo new-$((6*7))");
  await lab.waitForText("main", /^new-42$/m);
  // The new version came whole from its own cache (its install fetched it): the reload asked the
  // server for nothing of the old version, and the image (the same) was not downloaded again.
  expect(server.sent().requests.filter((path) => path.includes("/images/out/"))).toEqual([]);
});
