// The learner's shells on the real VM: prompt, commands, the second shell, and what chroot
// alone does not isolate (processes).
import { expect, test } from "@playwright/test";
import { LabPage, PROMPT_AT_END } from "./lab-page";

test("the shell prompt appears and uname -a reports an i686 kernel", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await lab.expectFocus("main");
  await lab.screenshot("01-prompt");
  const marks = await page.evaluate(() => performance.getEntriesByName("contained:prompt").length);
  expect(marks).toBe(1);

  await lab.run("main", "uname -a");
  await lab.waitForText("main", /^Linux .* i686 .*$/m);
  await lab.screenshot("02-uname");
});

test("the second shell runs its own commands", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await lab.showTerminal("second");
  await lab.waitForText("second", PROMPT_AT_END);
  await lab.run("second", "echo second-$((6*7))");
  await lab.waitForText("second", /^second-42$/m);
  expect(await lab.text("main")).not.toContain("second-42");
  await lab.screenshot("03-second-shell");

  // The keyboard is never trapped: Shift+Tab leaves the terminal for its tab, arrows move along
  // the tabs, Enter goes into the chosen shell.
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("tab", { name: "Second shell" })).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByRole("tab", { name: "Shell", exact: true })).toBeFocused();
  await expect(page.getByRole("tab", { name: "Shell", exact: true })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
  await lab.expectFocus("main");
});

test("a process in the first shell can be found and killed from the second (no PID namespace)", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await lab.run("main", "echo watched > /tmp/watched.log && tail -f /tmp/watched.log");
  await lab.waitForText("main", /^watched$/m);

  await lab.run("second", "ps aux | grep [t]ail");
  const line = /^\S+\s+(\d+)\s.*tail -f \/tmp\/watched\.log\s*$/m;
  await lab.waitForText("second", line);
  const pid = line.exec(await lab.text("second"))![1];
  await lab.screenshot("04-ps-aux-in-second-shell");

  await lab.run("second", `kill -9 ${pid}`);
  await lab.showTerminal("main");
  await lab.waitForText("main", /^Killed\b/m);
  await lab.waitForText("main", PROMPT_AT_END);
  await lab.screenshot("05-tail-killed");
});

test("a paste reaches the shell, and a paste over 256 KiB is refused with a message", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const paste = (text: string) =>
    page.locator("#terminal-main textarea").evaluate((textarea, text) => {
      const data = new DataTransfer();
      data.setData("text/plain", text);
      textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);

  await paste("echo pasted-$((40+2))");
  await page.keyboard.press("Enter");
  await lab.waitForText("main", /^pasted-42$/m);

  await paste("x".repeat(256 * 1024 + 1));
  await expect(page.getByRole("alert")).toContainText("is more than the terminal takes (256.0 KiB), so none of it was typed");
  expect(await lab.text("main")).not.toContain("xxxxxxxx");
  await lab.screenshot("13-paste-refused");
  await page.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("an idle terminal's cursor blinks without an endless animation (the page draws no frame meanwhile), and shows again on a keystroke", async ({
  page,
}, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await lab.expectFocus("main");
  const box = page.locator("#terminal-main");
  const cursor = box.locator(".xterm-cursor-blink");
  await expect(cursor).toHaveCount(1);
  expect(await page.evaluate(() => document.getAnimations().map((a) => (a as CSSAnimation).animationName ?? "an animation"))).toEqual([]);
  // off and on again, by the class on the terminal's box. Each state's colour is read in the page,
  // in the same task as the class's change (a read from here could land after the next toggle).
  const states = await box.evaluate(
    (el) =>
      new Promise<{ off: boolean; colour: string }[]>((resolve, reject) => {
        const seen: { off: boolean; colour: string }[] = [];
        const timeout = setTimeout(() => reject(new Error(`the cursor toggled ${seen.length} times in 3 s`)), 3000);
        new MutationObserver((_, observer) => {
          const cursor = el.querySelector(".xterm-cursor-blink");
          seen.push({ off: el.classList.contains("cursor-off"), colour: cursor ? getComputedStyle(cursor).backgroundColor : "no cursor" });
          if (seen.length < 2) return;
          observer.disconnect();
          clearTimeout(timeout);
          resolve(seen);
        }).observe(el, { attributes: true, attributeFilter: ["class"] });
      }),
  );
  expect(states.map((state) => state.off).sort()).toEqual([false, true]);
  expect(states[0]!.colour).not.toBe(states[1]!.colour);
  expect(states.map((state) => state.colour)).not.toContain("no cursor");
  await expect(box).toHaveClass(/cursor-off/, { timeout: 3000 });
  await page.keyboard.type("x");
  await expect(box).not.toHaveClass(/cursor-off/);
  await page.keyboard.press("Backspace");
});
