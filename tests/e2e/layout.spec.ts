// The page around the shells on the real VM: resizing reaches the guest's tty, sandbox mode,
// and files in and out of the guest.
import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import type { TerminalSize } from "../../web/terminal/session.svelte";
import { LabPage } from "./lab-page";

/** Waits until the guest's tty has been told the size the screen now has, and returns it. */
async function settledSize(page: Page, before: TerminalSize | null): Promise<TerminalSize> {
  const handle = await page.waitForFunction((before) => {
    const hook = window.__contained!;
    const screen = hook.screenSize("main");
    const guest = hook.guestSize("main");
    const changed = !before || screen?.rows !== before.rows || screen?.cols !== before.cols;
    return changed && screen && guest && screen.rows === guest.rows && screen.cols === guest.cols ? screen : null;
  }, before);
  return (await handle.jsonValue()) as TerminalSize;
}

test("resizing the window reaches the guest: stty size reports the new rows and columns", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const first = await settledSize(page, null);
  await lab.run("main", "stty size");
  await lab.waitForText("main", new RegExp(`^${first.rows} ${first.cols}$`, "m"));

  await page.setViewportSize({ width: 1000, height: 620 });
  const smaller = await settledSize(page, first);
  expect(smaller.cols).toBeLessThan(first.cols);
  await lab.run("main", "clear; stty size");
  await lab.waitForText("main", new RegExp(`^${smaller.rows} ${smaller.cols}$`, "m"));
  await lab.screenshot("08-resized");

  // A narrow screen: the lesson goes above the terminal.
  await page.setViewportSize({ width: 480, height: 860 });
  const narrow = await settledSize(page, smaller);
  await lab.run("main", "clear; stty size");
  await lab.waitForText("main", new RegExp(`^${narrow.rows} ${narrow.cols}$`, "m"));
  const lesson = await page.locator(".lesson").boundingBox();
  const terminal = await page.locator("#terminal-main").boundingBox();
  expect(lesson!.y + lesson!.height).toBeLessThanOrEqual(terminal!.y);
  await lab.screenshot("09-narrow");
});

test("sandbox mode gives the terminals the page, in the dark theme too", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open("?mode=sandbox");
  await expect(page.locator(".lesson")).toHaveCount(0);
  await page.getByRole("button", { name: "Dark theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await lab.run("main", "uname -m");
  await lab.waitForText("main", /^i686$/m);
  await lab.screenshot("10-sandbox-dark");

  // Screen-reader mode: xterm keeps an accessible copy of the screen's rows.
  await page.getByRole("button", { name: "Screen reader mode for the terminals" }).click();
  await expect(page.locator("#terminal-main .xterm-accessibility-tree")).toContainText("i686");
});

test("a file uploaded into the guest can be read there and downloaded back", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const content = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
  await page.getByLabel(/^Upload files into \/root/).setInputFiles({ name: "my data.bin", mimeType: "application/octet-stream", buffer: content });
  await expect(page.getByText("Uploaded /root/my data.bin")).toBeVisible();
  await lab.run("main", "md5sum 'my data.bin'");
  const { createHash } = await import("node:crypto");
  await lab.waitForText("main", createHash("md5").update(content).digest("hex"));

  await page.getByLabel(/^Path of a file in the guest to download/).fill("/root/my data.bin");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download", exact: true }).click()]);
  expect(download.suggestedFilename()).toBe("my data.bin");
  expect(Buffer.compare(await readFile(await download.path()), content)).toBe(0);
  await lab.screenshot("11-file-transfer");
});

test("a file dropped onto the terminal is uploaded into /root", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const drop = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(["dropped with care\n"], "dropped.txt", { type: "text/plain" }));
    return data;
  });
  await page.dispatchEvent(".screens", "dragover", { dataTransfer: drop });
  await page.dispatchEvent(".screens", "drop", { dataTransfer: drop });
  await expect(page.getByText("Uploaded /root/dropped.txt")).toBeVisible();
  await lab.run("main", "cat dropped.txt");
  await lab.waitForText("main", /^dropped with care$/m);
});

test("a failed download says what failed, and Try again starts the machine", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  let failed = false;
  await page.context().route(/\/images\/manifest\.json$/, (route) => {
    if (failed) return route.continue();
    failed = true;
    return route.fulfill({ status: 503, body: "unavailable" });
  });
  await page.goto("./");
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("The machine could not start");
  await expect(alert).toContainText("download-failed");
  await expect(alert).toContainText("HTTP 503");
  await expect(page.getByTestId("machine-status")).toHaveText("Error");
  await lab.screenshot("12-download-failed");

  await page.getByRole("button", { name: "Try again" }).click();
  await lab.waitForText("main", /[#$]\s*$/, 120_000);
  await expect(page.getByTestId("machine-status")).toHaveText(/Running|Busy/);
});

test.describe("without the service worker", () => {
  // The page's and the worker's own fetches of the wasm are what this is about: a service worker
  // that has it (a second visit) would answer them before the test's failing route could.
  test.use({ serviceWorkers: "block" });

  test("v86's wasm is loaded by the worker when the page could not compile it; when neither can, the error names it", async ({ page }, testInfo) => {
    const lab = new LabPage(page, testInfo);
    let failures = 1; // the page's request (web/vm/adapter.ts) fails; the worker's goes through
    const wasmRequests: string[] = [];
    await page.context().route(/\.wasm$/, (route) => {
      wasmRequests.push(route.request().url());
      if (failures-- > 0) return route.fulfill({ status: 503, body: "unavailable" });
      return route.continue();
    });
    await lab.open();
    expect(wasmRequests).toHaveLength(2);
    await lab.run("main", "echo wasm-$((6*7))");
    await lab.waitForText("main", /^wasm-42$/m);

    failures = 2;
    await page.goto("./");
    const alert = page.getByRole("alert");
    await expect(alert).toContainText("download-failed");
    await expect(alert).toContainText(/v86-.*\.wasm: HTTP 503/);
    await lab.screenshot("13-wasm-failed");
  });
});
