// The lesson beside the shell, on the real VM: its Run buttons type into the shell, and its
// checks see the machine's state.
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
  // The next step opened by itself.
  await expect(page.getByRole("button", { name: "Run in the terminal: uname -a" })).toBeVisible();
  await lab.screenshot("06-lesson-run-button");
});

test("the chroot step passes once bash runs inside my-new-root", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  await page.getByRole("button", { name: /A root of your own/ }).click();
  const step = page.locator('[data-step="03-a-root-of-your-own"]');
  for (const command of await step.locator("pre code").allTextContents()) {
    await page.getByRole("button", { name: `Run in the terminal: ${command}` }).click();
  }
  await expect(step).toHaveAttribute("data-status", "passed");
  await lab.run("main", "ls");
  await lab.waitForText("main", /ls: command not found/);
  await lab.screenshot("07-chroot");
});

test("Reset machine brings back a fresh machine, and the lesson's checks start over", async ({ page }, testInfo) => {
  const lab = new LabPage(page, testInfo);
  await lab.open();
  const step = page.locator('[data-step="01-make-a-file"]');
  await page.getByRole("button", { name: "Run in the terminal: echo hello > hello.txt" }).click();
  await expect(step).toHaveAttribute("data-status", "passed");

  await page.getByRole("button", { name: "Reset machine" }).click();
  await page.getByRole("group", { name: "Confirm reset" }).getByRole("button", { name: "Reset" }).click();
  await expect(page.getByTestId("machine-status")).toHaveText(/Running|Busy/);
  await lab.waitForText("main", /[#$]\s*$/);
  expect(await lab.text("main")).not.toContain("echo hello");
  await expect(step).toHaveAttribute("data-status", "failed");
  await lab.expectFocus("main");
  await lab.run("main", "ls hello.txt");
  await lab.waitForText("main", /No such file or directory/);
  await lab.screenshot("14-after-reset");
});
