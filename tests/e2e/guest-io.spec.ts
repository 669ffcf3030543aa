// A flood of output in the learner's shell, in Chromium on the real VM: it all arrives, the page
// stays usable while it draws, Ctrl-C stops it, and the terminal draws with or without WebGL.
import { expect, test, type Page } from "@playwright/test";
import { LabPage, PROMPT_AT_END } from "./lab-page";

const output = (page: Page) => page.evaluate(() => window.__contained!.output("main"));
const renderer = (page: Page) => page.evaluate(() => window.__contained!.renderer("main"));

test("a 20 MB flood arrives whole, and the page answers a click while it draws", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const n = 17 * 1_200_000; // 20.4 MB of 17-byte lines
  const before = await output(page);
  // The guest counts what it wrote (tee's copy goes to the terminal); the tty adds a \r per line.
  await lab.run("main", `yes 0123456789abcdef | head -c ${n} | tee /dev/tty | wc -c`);
  await page.waitForFunction((bytes) => window.__contained!.output("main").received > bytes, before.received + 1_000_000);
  // While it draws: a click on the other tab is answered.
  await page.getByRole("tab", { name: "Second shell" }).click();
  await expect(page.getByRole("tab", { name: "Second shell" })).toHaveAttribute("aria-selected", "true", { timeout: 2000 });
  expect((await output(page)).received).toBeLessThan(before.received + n);
  await lab.showTerminal("main");

  await lab.waitForText("main", new RegExp(`^0123456789abcdef\\n${n}\\n.*[#$]\\s*$`, "m"), 170_000);
  const after = await output(page);
  const flood = n + n / 17;
  expect(after.received - before.received).toBeGreaterThanOrEqual(flood);
  expect(after.received - before.received).toBeLessThan(flood + 4096); // the command's echo, the count, the prompt
  expect(after.drawn).toBe(after.received);
  await lab.screenshot("20-flood-done");
});

test("a flood of colored, multi-byte output is drawn whole: the writer's synchronized output never cuts its sequences", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  // 1600 lines, each colored by a CSI sequence and holding a 3-byte character (the euro sign), made
  // into a file, then sent to the terminal 3 times at once (faster than it draws, so the writer
  // holds the screen back; all of it within the scrollback): most places a feed can end are inside
  // a sequence or a character
  await lab.run(
    "main",
    `seq 1 1600 | awk '{ printf "\\033[3%dm\\342\\202\\254%d\\033[0m\\n", $1 % 7 + 1, $1 }' > /tmp/colors; cat /tmp/colors /tmp/colors /tmp/colors; echo colo''rs-done`,
  );
  await lab.waitForText("main", /^colors-done\n.*[#$]\s*$/m, 120_000);
  const lines = (await lab.text("main")).split("\n");
  const end = lines.indexOf("colors-done");
  const drawn = lines.slice(end - 3 * 1600, end);
  // each line whole: no piece of an escape sequence printed as text, no broken character
  expect(drawn.filter((line) => !/^€\d+$/.test(line.trimEnd()))).toEqual([]);
  expect(drawn.map((line) => Number(line.trimEnd().slice(1)))).toEqual(Array.from({ length: 3 * 1600 }, (_, i) => (i % 1600) + 1));
});

test("Ctrl-C stops a flood at once and the shell takes the next command", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const before = await output(page);
  await lab.run("main", "seq 1 100000000");
  await page.waitForFunction((bytes) => window.__contained!.output("main").received > bytes, before.received + 300_000);
  await page.keyboard.press("Control+C");
  await lab.waitForText("main", /\^C\s*\n.*[#$]\s*$/);
  const stopped = await output(page);
  const last = /(\d+)\s*\n(?:.*\n)*?.*\^C/.exec(await lab.text("main"));
  expect(Number(last?.[1] ?? 0)).toBeLessThan(100_000_000);
  await lab.run("main", "echo after-$((6*7))");
  await lab.waitForText("main", /^after-42$/m);
  // nothing of seq came after its prompt: only the echo and its answer
  expect((await output(page)).received - stopped.received).toBeLessThan(1024);
});

test("the terminal draws with WebGL on a GPU, and falls back to the DOM when its context is lost", async ({ page }, testInfo) => {
  // This Chromium draws WebGL in software (SwiftShader), where the page keeps the DOM renderer:
  // the page is told of a GPU instead, and WebGL still draws through SwiftShader.
  await page.addInitScript(() => {
    const getParameter = WebGL2RenderingContext.prototype.getParameter;
    WebGL2RenderingContext.prototype.getParameter = function (this: WebGL2RenderingContext, name: number) {
      return name === 0x9246 /* UNMASKED_RENDERER_WEBGL */ ? "ANGLE (a test GPU)" : getParameter.call(this, name);
    };
  });
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await expect.poll(() => renderer(page)).toBe("webgl");
  await expect(page.locator("#terminal-main canvas").first()).toBeVisible();
  await page.evaluate(() => {
    for (const canvas of document.querySelectorAll("#terminal-main canvas")) {
      (canvas as HTMLCanvasElement).getContext("webgl2")?.getExtension("WEBGL_lose_context")?.loseContext();
    }
  });
  await expect.poll(() => renderer(page)).toBe("dom");
  await lab.run("main", "echo lost-$((6*7))");
  await lab.waitForText("main", /^lost-42$/m);
  await expect(page.locator("#terminal-main .xterm-rows")).toContainText("lost-42");
});

test("software WebGL is left unused: the DOM renderer draws", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await expect.poll(() => renderer(page)).toBe("dom");
  await expect(page.locator("#terminal-main .xterm-rows")).toBeVisible();
});

test("with WebGL unavailable the terminal still works (DOM renderer)", async ({ page }, testInfo) => {
  await page.addInitScript(() => {
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
      if (kind === "webgl" || kind === "webgl2") return null;
      return (getContext as (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) => RenderingContext | null).call(this, kind, ...rest);
    } as typeof getContext;
  });
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await lab.run("main", "echo dom-$((6*7))");
  await lab.waitForText("main", /^dom-42$/m);
  await expect(page.locator("#terminal-main .xterm-rows")).toContainText("dom-42");
  await expect.poll(() => renderer(page)).toBe("dom");
  await lab.waitForText("main", PROMPT_AT_END);
});
