// How the site serves the guest image (vite.config.ts): only published files, as they are.
import { expect, test } from "@playwright/test";

test("the image files are served as they are, never compressed again on the way; the sources are not served", async ({ request }) => {
  const manifest = await (await request.get("./images/manifest.json")).json();
  const state = await request.get(`./images/${manifest.state.path}`, { headers: { "Accept-Encoding": "gzip, deflate, br" } });
  expect(state.status()).toBe(200);
  expect(state.headers()["content-encoding"]).toBeUndefined();
  expect(state.headers()["content-type"]).toBe("application/octet-stream");
  expect(Number(state.headers()["content-length"])).toBe(manifest.state.size);
  expect((await state.body()).length).toBe(manifest.state.size);

  expect((await request.get("./images/kernel/cmdline")).status()).toBe(404);
  expect((await request.get("./images/out/../kernel/cmdline")).status()).toBe(404);
});

test("odd paths get a page or a 404, never a server error", async ({ request, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  for (const path of ["//", "//images/manifest.json", "/images/%E0%A4%A", "/images/..%2F..%2Fpackage.json"]) {
    const response = await request.get(origin + path);
    expect([200, 404], `${path}: HTTP ${response.status()}`).toContain(response.status());
  }
});
