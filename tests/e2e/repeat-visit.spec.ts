// A repeat visit restores from the decompressed state the first visit kept in IndexedDB
// (worker/state-cache.ts), and a damaged copy is dropped: the state is downloaded again.
import { expect, test, type Page } from "@playwright/test";
import { LabPage } from "./lab-page";

const DB = "contained-state-cache";

/**
 * The cached states' keys and sizes, read in the page (same origin as the worker). It never
 * creates the database: that is the worker's to do.
 */
function cachedStates(page: Page): Promise<Array<{ key: string; size: number }>> {
  return page.evaluate(
    async (db) =>
      !(await indexedDB.databases()).some((d) => d.name === db) ? [] : new Promise((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const d = open.result;
          if (!d.objectStoreNames.contains("states")) return resolve([]);
          const store = d.transaction("states").objectStore("states");
          const keys = store.getAllKeys();
          const values = store.getAll();
          values.onsuccess = () => {
            resolve(keys.result.map((key, i) => ({ key: String(key), size: (values.result[i] as { raw: Uint8Array }).raw.length })));
            d.close();
          };
        };
      }),
    DB,
  );
}

/** Flips bytes in the middle of every cached state (as a damaged disk would). */
function damageCachedStates(page: Page): Promise<void> {
  return page.evaluate(
    (db) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const d = open.result;
          const tx = d.transaction("states", "readwrite");
          const store = tx.objectStore("states");
          const cursor = store.openCursor();
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return;
            const value = c.value as { raw: Uint8Array; rawSha256: string };
            for (let i = 0; i < 64; i++) value.raw[(value.raw.length >> 1) + i] ^= 0xff;
            c.update(value);
            c.continue();
          };
          tx.oncomplete = () => {
            d.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    DB,
  );
}

const stateSource = (page: Page) => page.evaluate(() => window.__contained!.stateSource());

test("a repeat visit starts from the state the first visit kept; a damaged copy is downloaded again", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  expect(await stateSource(page)).toBe("download");
  // The first visit keeps the state once it is running (about a second later).
  await expect.poll(() => cachedStates(page), { timeout: 30_000 }).toHaveLength(1);
  const [kept] = await cachedStates(page);
  expect(kept.size).toBeGreaterThan(1_000_000);

  await lab.open();
  expect(await stateSource(page)).toBe("cache");
  await lab.run("main", "echo cached-$((6*7))");
  await lab.waitForText("main", /^cached-42$/m);
  await lab.screenshot("repeat-visit");

  await damageCachedStates(page);
  await lab.open();
  expect(await stateSource(page)).toBe("download");
  await lab.run("main", "echo downloaded-$((6*7))");
  await lab.waitForText("main", /^downloaded-42$/m);
  // and a good copy is kept again
  await expect.poll(async () => (await cachedStates(page)).length, { timeout: 30_000 }).toBe(1);
  await lab.open();
  expect(await stateSource(page)).toBe("cache");
});
