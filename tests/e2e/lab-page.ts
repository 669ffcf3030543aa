// The lab page as the e2e tests drive it: open it, type into a shell like a learner, wait for
// text on a terminal's screen (read through window.__contained), and keep screenshots.
import { expect, type Page, type TestInfo } from "@playwright/test";
import type { TerminalId } from "../../worker/api";

const TAB_NAMES: Record<TerminalId, string> = { main: "Shell", second: "Second shell" };
/** The end of a screen whose last line is a shell prompt. */
export const PROMPT_AT_END = /[#$]\s*$/;

export class LabPage {
  constructor(
    readonly page: Page,
    private readonly testInfo: TestInfo,
  ) {}

  /** Opens the lab and waits for the learner's shell prompt. */
  async open(query = ""): Promise<void> {
    await this.page.goto(`./${query}`);
    await this.waitForText("main", PROMPT_AT_END, 120_000);
    await expect(this.page.getByTestId("machine-status")).toHaveText(/Running|Busy/);
  }

  text(id: TerminalId): Promise<string> {
    return this.page.evaluate((id) => window.__contained?.terminalText(id) ?? "", id);
  }

  /** Waits until the terminal's screen (scrollback included) matches. */
  async waitForText(id: TerminalId, pattern: RegExp | string, timeout = 60_000): Promise<void> {
    const regex = typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
    await this.page.waitForFunction(
      ([id, source, flags]) => new RegExp(source, flags).test(window.__contained?.terminalText(id as TerminalId) ?? ""),
      [id, regex.source, regex.flags],
      { timeout, polling: 100 },
    );
  }

  /** Brings a shell to the front (its tab) and checks it has the keyboard. */
  async showTerminal(id: TerminalId): Promise<void> {
    await this.page.getByRole("tab", { name: TAB_NAMES[id], exact: true }).click();
    await this.expectFocus(id);
  }

  async expectFocus(id: TerminalId): Promise<void> {
    await expect(this.page.locator(`#terminal-${id} textarea`)).toBeFocused();
  }

  /** Types a command into a shell, as a learner would, and presses Enter. */
  async run(id: TerminalId, command: string): Promise<void> {
    await this.showTerminal(id);
    await this.page.keyboard.type(command);
    await this.page.keyboard.press("Enter");
  }

  /** A screenshot kept with the test's results and attached to its report. */
  async screenshot(name: string): Promise<void> {
    const path = this.testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path });
    await this.testInfo.attach(name, { path, contentType: "image/png" });
  }
}
