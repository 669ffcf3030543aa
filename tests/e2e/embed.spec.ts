// The lab embedded in someone else's docs: the example docs page (examples/docs/) on its own
// origin (a plain static server on 127.0.0.1), the lab on the test server (localhost): its
// <contained-lab> elements, their message API, lesson packs, and several machines on one page.
import { expect, test, type Frame, type Page } from "@playwright/test";
import { serveStatic, type StaticServer } from "../../scripts/static-server";

const DOCS_PORT = 4182;
/** Where examples/docs/index.html expects the lab (`npm start`); the test server stands in. */
const EXAMPLE_LAB_URL = "http://localhost:4173/";

let docs: StaticServer;
test.beforeAll(async ({ baseURL }) => {
  docs = await serveStatic({ root: "examples/docs", base: "/docs/", port: DOCS_PORT, transform: (_path, text) => text.replaceAll(EXAMPLE_LAB_URL, baseURL!) });
});
test.afterAll(async () => {
  await docs?.close();
});

/** The frame of the <contained-lab id=...> element. */
async function labFrame(page: Page, id: string): Promise<Frame> {
  const element = page.locator(`contained-lab#${id} iframe`);
  await expect(element).toHaveCount(1);
  const frame = await (await element.elementHandle())!.contentFrame();
  return frame!;
}

const eventLog = (page: Page) => page.locator("#event-log");
const terminalText = (frame: Frame) => frame.evaluate(() => window.__contained?.terminalText("main") ?? "");
async function waitForTerminal(frame: Frame, pattern: RegExp, timeout = 60_000): Promise<void> {
  await frame.waitForFunction(
    ([source, flags]) => new RegExp(source, flags).test(window.__contained?.terminalText("main") ?? ""),
    [pattern.source, pattern.flags],
    { timeout, polling: 100 },
  );
}

test("the example docs page on another origin: its Run button types the command, and the page hears ready, command-finished and step-passed", async ({
  page,
}, testInfo) => {
  await page.goto(docs.url);
  await expect(eventLog(page)).toContainText('welcome-lab: ready {"lesson":{"id":"welcome","step":1}}', { timeout: 120_000 });
  const frame = await labFrame(page, "welcome-lab");
  expect(new URL(frame.url()).origin).not.toBe(new URL(page.url()).origin);
  await expect(frame.locator('[data-step="01-make-a-file"]')).toHaveAttribute("data-status", "failed");
  // The docs page keeps the keyboard: the lab did not take the focus when it became ready.
  expect(await page.evaluate(() => document.activeElement?.localName)).toBe("body");

  await page.locator('pre[data-run-in="welcome-lab"]').first().getByRole("button", { name: "Run in the lab" }).click();
  // (root's bash marks its prompts with OSC 133, so the exit status comes along)
  await expect(eventLog(page)).toContainText('welcome-lab: command-finished {"terminal":"main","exitStatus":0}');
  await expect(eventLog(page)).toContainText('welcome-lab: step-passed {"lesson":"welcome","step":"01-make-a-file","index":1}');
  await waitForTerminal(frame, /# echo hello > hello\.txt$/m);
  await expect(frame.locator('[data-step="01-make-a-file"]')).toHaveAttribute("data-status", "passed");
  const screenshot = testInfo.outputPath("docs-page.png");
  await page.screenshot({ path: screenshot });
  await testInfo.attach("docs-page", { path: screenshot, contentType: "image/png" });
});

test("a lab's exit status comes with command-finished when its shell marks its prompts (OSC 133)", async ({ page }) => {
  await page.goto(docs.url);
  await expect(eventLog(page)).toContainText("welcome-lab: ready", { timeout: 120_000 });
  const lab = page.locator("contained-lab#welcome-lab");
  // Root's bash marks each command's end before its prompt (ESC ] 133 ; D ; <status> BEL, from
  // its PROMPT_COMMAND in the image's /root/.bashrc): the lab passes the status on.
  await lab.evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("false"));
  await expect(eventLog(page)).toContainText('welcome-lab: command-finished {"terminal":"main","exitStatus":1}');
  await lab.evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("(exit 7)"));
  await expect(eventLog(page)).toContainText('welcome-lab: command-finished {"terminal":"main","exitStatus":7}');
});

test("malformed messages and messages from untrusted origins get an error and change nothing", async ({ page, context, baseURL }) => {
  // A frame of a third origin inside the docs page, as an ad or a widget would be.
  await context.route("http://foreign.test/**", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<script>
        addEventListener("message", (e) => { if (e.data && e.data.contained) parent.postMessage({ fromForeign: e.data }, "*"); });
        addEventListener("message", (e) => {
          if (e.data !== "go") return;
          for (let i = 0; i < parent.frames.length; i++) if (parent.frames[i] !== window) parent.frames[i].postMessage({ contained: 1, type: "run", id: "foreign", command: "touch /tmp/pwned" }, "*");
        });
      </script>`,
    }),
  );
  await page.goto(docs.url);
  await expect(eventLog(page)).toContainText("welcome-lab: ready", { timeout: 120_000 });
  const frame = await labFrame(page, "welcome-lab");
  const labOrigin = new URL(baseURL!).origin;
  const before = await terminalText(frame);

  // From the docs page itself (a trusted origin), messages that are not right.
  const replies = await page.evaluate(async (labOrigin) => {
    const lab = document.querySelector("contained-lab#welcome-lab")!.shadowRoot!.querySelector("iframe")!.contentWindow!;
    const answers: unknown[] = [];
    addEventListener("message", (e) => {
      if (e.origin === labOrigin && e.data?.type === "error") answers.push(e.data);
    });
    const bad: unknown[] = [
      "touch /tmp/pwned",
      { type: "run", command: "touch /tmp/pwned" },
      { contained: 2, id: "v2", type: "run", command: "touch /tmp/pwned" },
      { contained: 1, id: "unknown", type: "format-disk" },
      { contained: 1, id: "extra", type: "run", command: "touch /tmp/pwned", sudo: true },
      { contained: 1, id: "control", type: "run", command: "touch /tmp/pwned\u0003" },
      { contained: 1, id: "terminal", type: "run", command: "touch /tmp/pwned", terminal: "third" },
      { contained: 1, id: "empty", type: "run", command: "  " },
      { contained: 1, id: "lesson", type: "open", lesson: "no-such-lesson" },
    ];
    for (const message of bad) lab.postMessage(message, labOrigin);
    const deadline = performance.now() + 10_000;
    while (answers.length < bad.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return answers;
  }, labOrigin);
  const codes = (replies as Array<{ id?: string; code: string }>).map((r) => `${r.id ?? "-"}:${r.code}`).sort();
  expect(codes).toEqual(
    [
      "-:malformed",
      "-:malformed",
      "control:malformed",
      "empty:malformed",
      "extra:malformed",
      "lesson:no-such-lesson",
      "terminal:malformed",
      "unknown:unknown-type",
      "v2:unsupported-version",
    ].sort(),
  );

  // From a frame of another origin on the same page: refused, told why.
  const foreignReply = await page.evaluate(async () => {
    const foreign = document.createElement("iframe");
    foreign.src = "http://foreign.test/widget.html";
    document.body.append(foreign);
    await new Promise((r) => foreign.addEventListener("load", r, { once: true }));
    return new Promise<unknown>((resolve) => {
      addEventListener("message", (e) => e.data?.fromForeign && resolve(e.data.fromForeign));
      foreign.contentWindow!.postMessage("go", "*");
    });
  });
  expect(foreignReply).toMatchObject({ contained: 1, type: "error", id: "foreign", code: "untrusted-origin" });

  // Nothing was typed, nothing ran.
  expect(await terminalText(frame)).toBe(before);
  await page.locator("contained-lab#welcome-lab").evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("ls /tmp/pwned"));
  await waitForTerminal(frame, /No such file or directory/);
});

test("a lesson pack with a <script> and an onerror attribute renders without running either", async ({ page, context }) => {
  const pack = {
    format: "contained-lesson-pack",
    version: 1,
    files: {
      "01-hostile/index.md":
        '---\ntitle: A hostile pack\n---\nHello <script>window.__pwned = "script"</script> there. <img src="data:," onerror="window.__pwned = \'onerror\'"> <a href="javascript:window.__pwned=1">a link</a> <b onmouseover="window.__pwned=2">bold</b>\n',
      "01-hostile/01-step/index.md":
        '---\ntitle: Just a step\n---\n<iframe src="javascript:parent.__pwned=3"></iframe><form action="https://evil.test"><input name=x></form>Type `true`.\n',
      "01-hostile/01-step/check.sh": "exit 1\n",
      "01-hostile/01-step/solution.sh": "true\n",
    },
  };
  await context.route(`${docs.url}hostile.json`, (route) => route.fulfill({ contentType: "application/json", body: JSON.stringify(pack) }));
  await page.goto(docs.url);
  await page.evaluate(() => {
    const lab = document.createElement("contained-lab");
    lab.id = "hostile-lab";
    lab.setAttribute("pack", "hostile.json");
    lab.setAttribute("start", "load");
    document.querySelector("main")!.prepend(lab);
  });
  const frame = await labFrame(page, "hostile-lab");
  await expect(frame.getByRole("heading", { name: "A hostile pack" })).toBeVisible({ timeout: 60_000 });
  await expect(frame.locator(".lesson")).toContainText("Hello there.");
  await expect(frame.locator(".lesson b")).toHaveText("bold");
  await frame.locator(".lesson b").hover();
  // The markup survived, its scripts did not.
  await expect(frame.locator(".lesson img")).toHaveCount(1);
  expect(await frame.locator(".lesson img").getAttribute("onerror")).toBeNull();
  expect(await frame.locator(".lesson b").getAttribute("onmouseover")).toBeNull();
  expect(await frame.locator(".lesson a", { hasText: "a link" }).getAttribute("href")).toBeNull();
  await expect(frame.locator(".lesson script, .lesson iframe, .lesson form, .lesson input")).toHaveCount(0);
  expect(await frame.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
});

test("several labs on one page: each its own machine, started when scrolled into view, paused and stopped when asked", async ({ page }, testInfo) => {
  await page.goto(docs.url);
  await expect(eventLog(page)).toContainText("welcome-lab: ready", { timeout: 120_000 });
  // Far down the page, the sandbox has no frame (no machine) yet; the pack's waits for a click.
  await expect(page.locator("contained-lab#sandbox-lab iframe")).toHaveCount(0);
  await expect(page.locator("contained-lab#pack-lab")).toContainText("Start the Linux lab");

  // The page stays responsive meanwhile: frames keep coming (measured while the sandbox boots).
  await page.evaluate(() => {
    const w = window as unknown as { __gaps: number[] };
    w.__gaps = [];
    let last = performance.now();
    const tick = (now: number) => {
      w.__gaps.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const scrolledAt = await page.evaluate(() => {
    document.querySelector("contained-lab#sandbox-lab")!.scrollIntoView({ block: "center" });
    return performance.now();
  });
  await expect(eventLog(page)).toContainText("sandbox-lab: ready", { timeout: 120_000 });
  const readyAt = await page.evaluate(() => performance.now());
  const longestGap = await page.evaluate(() => Math.max(...(window as unknown as { __gaps: number[] }).__gaps));
  testInfo.annotations.push({
    type: "embedded lab: scrolled into view to ready",
    description: `${Math.round(readyAt - scrolledAt)} ms (the docs page's longest frame meanwhile: ${Math.round(longestGap)} ms)`,
  });

  // Two machines: a file made in one is not in the other.
  const welcome = await labFrame(page, "welcome-lab");
  const sandbox = await labFrame(page, "sandbox-lab");
  await page
    .locator("contained-lab#welcome-lab")
    .evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("touch /root/only-in-welcome && echo made-$((6*7))"));
  await waitForTerminal(welcome, /^made-42$/m);
  await page.locator('pre[data-run-in="sandbox-lab"]').getByRole("button", { name: "Run in the lab" }).click();
  await page.locator("contained-lab#sandbox-lab").evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("ls /root/only-in-welcome"));
  await waitForTerminal(sandbox, /No such file or directory/);

  // Pause keeps the machine and halts it; resume goes on; stop ends it; start gives a fresh one.
  const controls = page.locator('[data-controls="sandbox-lab"]');
  const status = controls.locator(".status");
  await controls.getByRole("button", { name: "Pause" }).click();
  await expect(status).toHaveText("paused");
  await expect(sandbox.getByRole("button", { name: "Resume" })).toBeVisible();
  await controls.getByRole("button", { name: "Resume" }).click();
  await expect(status).toHaveText("running");
  await page.locator("contained-lab#sandbox-lab").evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("echo resumed-$((6*7))"));
  await waitForTerminal(sandbox, /^resumed-42$/m);
  await controls.getByRole("button", { name: "Stop" }).click();
  await expect(status).toHaveText("stopped");
  await expect(sandbox.getByText("The machine is stopped")).toBeVisible();
  await controls.getByRole("button", { name: "Start" }).click();
  await expect(status).toHaveText("running", { timeout: 60_000 });
  await page.locator("contained-lab#sandbox-lab").evaluate((el: HTMLElementTagNameMap["contained-lab"]) => el.run("echo fresh-$((6*7))"));
  await waitForTerminal(sandbox, /^fresh-42$/m);
  expect(await terminalText(sandbox)).not.toContain("resumed-42");

  // Scrolled away, a lab with pause-offscreen pauses; back in view, it runs again.
  await page.evaluate(() => scrollTo(0, 0));
  await expect(status).toHaveText("paused");
  await page.evaluate(() => document.querySelector("contained-lab#sandbox-lab")!.scrollIntoView({ block: "center" }));
  await expect(status).toHaveText("running");

  // The pack's lab, on a click: the docs' own lesson.
  await page.locator("contained-lab#pack-lab").getByRole("button", { name: "Start the Linux lab" }).click();
  const pack = await labFrame(page, "pack-lab");
  await expect(pack.getByRole("heading", { name: "A lesson from the docs" })).toBeVisible({ timeout: 60_000 });
  await expect(eventLog(page)).toContainText("pack-lab: ready", { timeout: 120_000 });
  await pack.getByRole("button", { name: /^Run in the terminal: echo "written from the docs"/ }).click();
  await expect(eventLog(page)).toContainText('pack-lab: step-passed {"lesson":"from-the-docs","step":"01-leave-a-note","index":1}');
});

test("a plain iframe of embed.html: no origin may drive it unless it is told to trust one", async ({ page, baseURL }) => {
  await page.goto(docs.url);
  const docsOrigin = new URL(docs.url).origin;
  const answer = (query: string) =>
    page.evaluate(
      async ({ src, labOrigin }) => {
        const frame = document.createElement("iframe");
        frame.src = src;
        document.body.append(frame);
        await new Promise<void>((resolve) => addEventListener("message", (e) => e.source === frame.contentWindow && e.data?.type === "loaded" && resolve()));
        return new Promise<unknown>((resolve) => {
          addEventListener("message", (e) => e.source === frame.contentWindow && (e.data?.type === "done" || e.data?.type === "error") && resolve(e.data));
          frame.contentWindow!.postMessage({ contained: 1, id: "open", type: "open", lesson: "welcome", step: 2 }, labOrigin);
        });
      },
      { src: `${baseURL}embed.html?${query}`, labOrigin: new URL(baseURL!).origin },
    );
  // Told to trust the docs: its "loaded" reaches the page, and it does what it is asked.
  expect(await answer(`start=click&origins=${encodeURIComponent(docsOrigin)}`)).toMatchObject({ type: "done", id: "open" });
  // Told nothing: it says nothing to a page of another origin (no "loaded" comes), so a page
  // listening for it would wait forever: the test checks the refusal directly instead.
  const refused = await page.evaluate(
    async ({ src, labOrigin }) => {
      const frame = document.createElement("iframe");
      frame.src = src;
      document.body.append(frame);
      await new Promise((r) => frame.addEventListener("load", r, { once: true }));
      return new Promise<unknown>((resolve) => {
        addEventListener("message", (e) => e.source === frame.contentWindow && resolve(e.data));
        const ask = () => frame.contentWindow!.postMessage({ contained: 1, id: "run", type: "run", command: "touch /tmp/pwned" }, labOrigin);
        ask();
        setInterval(ask, 500); // until its script listens
      });
    },
    { src: `${baseURL}embed.html?start=click`, labOrigin: new URL(baseURL!).origin },
  );
  expect(refused).toMatchObject({ type: "error", id: "run", code: "untrusted-origin" });
});
