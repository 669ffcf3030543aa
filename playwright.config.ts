// End-to-end tests: the built site, served by `vite preview`, in Chromium, with the real VM.
import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

// Not 4173, where `npm start` serves: the tests always get a server built from the current sources.
// E2E_PORT (or CONTAINED_E2E_PORT): another port, for a run beside someone else's.
const PORT = Number(process.env.E2E_PORT ?? process.env.CONTAINED_E2E_PORT ?? 4174);
// Debian's Chromium where it is installed (CI, this lab's containers); Playwright's own elsewhere.
const systemChromium = "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  // One VM per page is heavy: run the tests one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  retries: 0,
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    ...devices["Desktop Chrome"],
    baseURL: `http://localhost:${PORT}/`,
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: existsSync(systemChromium) ? systemChromium : undefined,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // Builds the site (not the images: `npm run build` does the pre-boot too) and serves dist/.
    command: `npx vite build && npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
  },
});
