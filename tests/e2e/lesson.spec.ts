// The course on the real VM: the lesson list, a lesson's Run buttons and its checks, and the
// progress a reload keeps.
import { expect, test } from "@playwright/test";
import { LabPage } from "./lab-page";

test("a lesson's Run button types the command into the shell, which runs it, and the step passes", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const step = page.locator('[data-step="01-make-a-file"]');
  await expect(step).toHaveAttribute("data-status", "failed");
  await expect(step.getByText("There is no hello.txt in /root yet.")).toBeVisible();

  await page.getByRole("button", { name: "Run in the terminal: echo hello > hello.txt" }).click();
  await lab.waitForText("main", /# echo hello > hello\.txt$/m);
  await expect(step).toHaveAttribute("data-status", "passed");
  await lab.expectFocus("main");
  // The next step opened by itself, and the URL names it.
  await expect(page.getByRole("button", { name: /Run in the terminal: uname -r/ })).toBeVisible();
  await expect(page).toHaveURL(/[?&]lesson=welcome&step=2/);
  await lab.screenshot("06-lesson-run-button");
});

test("the chroot step passes once bash runs inside my-new-root, and stays passed after a reload", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await page.getByRole("button", { name: "Lessons" }).click();
  await page
    .getByRole("navigation", { name: "Lessons" })
    .getByRole("link", { name: /chroot by hand/ })
    .click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("chroot by hand");
  await expect(page).toHaveURL(/[?&]lesson=chroot&step=1/);
  const step = page.locator('[data-step="01-a-root-of-your-own"]');
  await expect(step).toHaveAttribute("data-status", "failed");

  // The notes' exercise, typed as a learner types it, with this machine's 32-bit library paths.
  for (const command of [
    "mkdir -p my-new-root/bin",
    "cp /bin/bash my-new-root/bin",
    "ldd /bin/bash",
    "mkdir -p my-new-root/lib/i386-linux-gnu",
    "cp /lib/i386-linux-gnu/libtinfo.so.6 /lib/i386-linux-gnu/libc.so.6 my-new-root/lib/i386-linux-gnu",
    "cp /lib/ld-linux.so.2 my-new-root/lib",
    "cd my-new-root",
    "chroot . bash",
  ]) {
    const before = (await lab.text("main")).trimEnd().length;
    await lab.run("main", command);
    await page.waitForFunction(
      (n) => (window.__contained?.terminalText("main") ?? "").trimEnd().length > n && /[#$]\s*$/.test(window.__contained!.terminalText("main")),
      before,
    );
  }
  await expect(step).toHaveAttribute("data-status", "passed", { timeout: 10_000 });
  await lab.run("main", "ls");
  await lab.waitForText("main", /ls: command not found/);
  await lab.screenshot("07-chroot");

  await page.reload();
  await lab.waitForText("main", /[#$]\s*$/, 120_000);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("chroot by hand");
  await expect(page.locator('[data-step="01-a-root-of-your-own"]')).toHaveAttribute("data-status", "passed");
  await page.getByRole("button", { name: "Lessons" }).click();
  await expect(page.getByRole("navigation", { name: "Lessons" }).getByRole("link", { name: /chroot by hand/ })).toContainText(/[1-9]\/\d+/);
});

test("a link opens a lesson at its step, and Show me types the step's solution", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open("?lesson=welcome&step=2");
  const step = page.locator('[data-step="02-meet-the-kernel"]');
  await expect(step).toHaveAttribute("data-status", "failed");
  await step.getByRole("button", { name: "Show me" }).click();
  await expect(step.locator(".solution pre")).toContainText("uname -r > kernel.txt");
  await step.getByRole("button", { name: "Type it for me" }).click();
  await expect(step).toHaveAttribute("data-status", "passed");
  await lab.waitForText("main", /Debian GNU\/Linux 12/);
});

test("Reset machine brings back a fresh machine; the steps done stay done unless the learner asks", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open("?lesson=welcome&step=1");
  const step = page.locator('[data-step="01-make-a-file"]');
  await page.getByRole("button", { name: "Run in the terminal: echo hello > hello.txt" }).click();
  await expect(step).toHaveAttribute("data-status", "passed");

  await page.getByRole("button", { name: "Reset machine" }).click();
  await page.getByRole("group", { name: "Confirm reset" }).getByRole("button", { name: "Reset" }).click();
  await expect(page.getByTestId("machine-status")).toHaveText(/Running|Busy/);
  await lab.waitForText("main", /[#$]\s*$/);
  expect(await lab.text("main")).not.toContain("echo hello");
  await expect(step).toHaveAttribute("data-status", "passed");
  await lab.expectFocus("main");
  await lab.run("main", "ls hello.txt");
  await lab.waitForText("main", /No such file or directory/);

  await page.getByRole("button", { name: "Reset machine" }).click();
  const confirm = page.getByRole("group", { name: "Confirm reset" });
  await confirm.getByRole("checkbox", { name: /lesson progress/ }).check();
  await confirm.getByRole("button", { name: "Reset" }).click();
  await expect(step).toHaveAttribute("data-status", "failed");
  await lab.screenshot("14-after-reset");
});
