// A repeat visit restores from the decompressed state the first visit kept in the origin private
// file system (worker/state-cache.ts), and a damaged copy is dropped: the state is downloaded
// again.
import { expect, test, type Page } from "@playwright/test";
import { STATE_CACHE_DIR as DIR } from "../../worker/api";
import { LabPage } from "./lab-page";

/** The kept states' file names and sizes, read in the page (same origin as the worker). */
function keptStates(page: Page): Promise<Array<{ name: string; size: number }>> {
  return page.evaluate(async (dirName) => {
    const found: Array<{ name: string; size: number }> = [];
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(dirName);
      for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
        found.push({ name, size: (await handle.getFile()).size });
      }
    } catch {
      // nothing kept yet
    }
    return found;
  }, DIR);
}

/**
 * Flips 64 bytes of every kept state (as a damaged disk would): in the middle (the machine
 * restores, then is thrown away when the check fails), or at the start of v86's state (its
 * header: the restore itself fails and never finishes).
 */
function damageKeptStates(page: Page, where: "middle" | "header"): Promise<void> {
  return page.evaluate(
    async ({ dirName, where }) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(dirName);
      for await (const [, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
        const file = await handle.getFile();
        const bytes = new Uint8Array(await file.arrayBuffer());
        const at = where === "middle" ? bytes.length >> 1 : 64; // (after the copy's own 64-byte hash)
        for (let i = 0; i < 64; i++) bytes[at + i] ^= 0xff;
        const writable = await handle.createWritable();
        await writable.write(bytes);
        await writable.close();
      }
    },
    { dirName: DIR, where },
  );
}

const stateSource = (page: Page) => page.evaluate(() => window.__contained!.stateSource());

/** The size of a whole kept state: its own 64-byte sha256, then the raw state the manifest gives the size of. */
const wholeKeptSize = (page: Page) => page.evaluate(async () => 64 + (await (await fetch("images/manifest.json")).json()).state.rawSize);

/** Waits until exactly one state is kept, and all of it is written. */
async function keptInFull(page: Page): Promise<void> {
  const size = await wholeKeptSize(page);
  await expect.poll(() => keptStates(page), { timeout: 30_000 }).toEqual([{ name: expect.stringMatching(/\.state$/), size }]);
}

test("a repeat visit starts from the state the first visit kept; a damaged copy is downloaded again", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  expect(await stateSource(page)).toBe("download");
  // The first visit keeps the state once it is running (about a second later).
  await keptInFull(page);

  await lab.open();
  expect(await stateSource(page)).toBe("cache");
  await lab.run("main", "echo cached-$((6*7))");
  await lab.waitForText("main", /^cached-42$/m);
  await lab.screenshot("repeat-visit");

  for (const where of ["middle", "header"] as const) {
    await damageKeptStates(page, where);
    await lab.open();
    expect(await stateSource(page)).toBe("download");
    await lab.run("main", `echo downloaded-${where}-$((6*7))`);
    await lab.waitForText("main", new RegExp(`^downloaded-${where}-42$`, "m"));
    // and a good copy is kept again
    await keptInFull(page);
    await lab.open();
    expect(await stateSource(page)).toBe("cache");
  }
});
