// Renders the app's icons (public/icons/*.svg) to the PNGs the web app manifest and iOS need,
// in Chromium. The PNGs are committed; run this again after changing an SVG:
//   npx tsx scripts/make-icons.ts
import { existsSync, readFileSync } from "node:fs";
import { chromium } from "@playwright/test";

const dir = new URL("../public/icons/", import.meta.url).pathname;
const OUTPUTS: Array<{ svg: string; png: string; size: number }> = [
  { svg: "icon.svg", png: "icon-192.png", size: 192 },
  { svg: "icon.svg", png: "icon-512.png", size: 512 },
  { svg: "icon-maskable.svg", png: "icon-maskable-512.png", size: 512 },
  // iOS puts its own rounded corners on a full square
  { svg: "icon-maskable.svg", png: "apple-touch-icon.png", size: 180 },
];

const browser = await chromium.launch({ executablePath: existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined, args: ["--no-sandbox"] });
try {
  for (const { svg, png, size } of OUTPUTS) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const source = readFileSync(dir + svg, "utf8").replace("<svg ", `<svg width="${size}" height="${size}" `);
    await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block}</style>${source}`);
    await page.screenshot({ path: dir + png, omitBackground: true });
    await page.close();
    console.log(`public/icons/${png} (${size}x${size})`);
  }
} finally {
  await browser.close();
}
