import { afterEach, describe, expect, it, vi } from "vitest";
import { connectFake } from "../../../web/vm/adapter";
import { FakeVm } from "../../../web/vm/fake-vm";
import { Lab, PROMPT_MARK } from "../../../web/state/lab.svelte";
import type { Lesson } from "../../../web/lessons/catalog";
import { memoryProgress } from "../../../web/state/progress";
import type { TerminalScreen } from "../../../web/terminal/session.svelte";

const lesson: Lesson = {
  id: "test",
  folder: "00-test",
  title: "Test",
  summary: "",
  introduction: "",
  steps: [
    {
      id: "01-file",
      title: "File",
      markdown: "",
      terminal: "main",
      check: "test -f /root/hello.txt",
      solution: [{ terminal: "main", text: "echo hello > hello.txt" }],
    },
  ],
};
const withLesson = (store = memoryProgress()) => ({ lessons: { all: [lesson], start: { lesson, step: -1 }, store } });

function screen(): TerminalScreen & { text(): string } {
  let written = "";
  return {
    write: (data) => (written += new TextDecoder().decode(data)),
    clear: () => (written = ""),
    focus: vi.fn(),
    text: () => written,
  };
}

async function startedLab() {
  const connection = await connectFake({ stepMs: 0 });
  const vm = connection.api as FakeVm;
  const lab = new Lab(connection, withLesson());
  const screens = { main: screen(), second: screen() };
  lab.terminals.main.attach(screens.main);
  lab.terminals.second.attach(screens.second);
  expect(await lab.start()).toBe(true);
  return { lab, vm, screens };
}

afterEach(() => performance.clearMarks(PROMPT_MARK));

describe("Lab", () => {
  it("shows why a start that began before the lab listened failed, and retries", async () => {
    const failure = { code: "download-failed" as const, message: "could not download manifest.json: HTTP 503" };
    const connection = await connectFake({ stepMs: 0, failNextStart: failure }, { startNow: true });
    await new Promise((r) => setTimeout(r, 10)); // the early start fails before the UI exists
    const lab = new Lab(connection, withLesson());
    expect(await lab.start()).toBe(false);
    expect(lab.machine.error).toEqual(failure);
    expect(lab.machine.stage).toBe("failed");
    expect(await lab.retry()).toBe(true);
    expect(lab.machine.stage).toBe("ready");
    lab.dispose();
  });

  it("shows the prompt and every status of a start that was over before the lab listened (an embed's later visit)", async () => {
    const connection = await connectFake({ stepMs: 0 }, { startNow: true });
    await vi.waitFor(async () => expect(await connection.api.status()).toBe("running"));
    const lab = new Lab(connection, withLesson());
    const main = screen();
    lab.terminals.main.attach(main);
    const statuses: string[] = [];
    lab.machine.onStatus((status) => statuses.push(status));
    expect(await lab.start()).toBe(true);
    expect(lab.machine.stage).toBe("ready");
    expect(lab.machine.status).toBe("running");
    expect(statuses).toEqual(expect.arrayContaining(["starting", "running"]));
    await vi.waitFor(() => expect(main.text()).toMatch(/# $/));
    lab.dispose();
  });

  it("shows each terminal's output on its own screen", async () => {
    const { lab, screens } = await startedLab();
    lab.terminals.second.type("uname -a\r");
    await vi.waitFor(() => expect(screens.second.text()).toContain("i686"));
    expect(screens.main.text()).not.toContain("i686");
    lab.dispose();
  });

  it("marks the first prompt after the machine is ready, once", async () => {
    const { lab } = await startedLab();
    await vi.waitFor(() => expect(performance.getEntriesByName(PROMPT_MARK)).toHaveLength(1));
    await lab.reset();
    expect(performance.getEntriesByName(PROMPT_MARK)).toHaveLength(1);
    lab.dispose();
  });

  it("types a lesson's command into the main shell, runs it, and checks the step", async () => {
    const { lab, vm, screens } = await startedLab();
    lab.showTerminal("second");
    lab.runInTerminal("echo hello > hello.txt\n");
    expect(lab.activeTerminal).toBe("main");
    await vi.waitFor(() => expect(lab.lesson?.steps[0].status).toBe("passed"));
    expect(screens.main.text()).toContain("echo hello > hello.txt");
    expect(vm.execLog).toContain("test -f /root/hello.txt");
    lab.dispose();
  });

  it("runs no checks while the lesson is hidden (sandbox mode), and checks the step when it is shown again", async () => {
    const { lab, vm, screens } = await startedLab();
    const checks = () => vm.execLog.filter((c) => c === "test -f /root/hello.txt").length;
    await vi.waitFor(() => expect(lab.lesson?.steps[0].status).toBe("failed"));
    lab.lessonShown(false);
    vi.useFakeTimers();
    try {
      const before = checks();
      lab.terminals.main.type("echo hello > hello.txt\r");
      await vi.advanceTimersByTimeAsync(20_000);
      expect(screens.main.text()).toContain("echo hello > hello.txt");
      expect(checks()).toBe(before);
      expect(lab.lesson?.steps[0].status).toBe("failed");
      lab.lessonShown(true);
      await vi.advanceTimersByTimeAsync(100);
    } finally {
      vi.useRealTimers();
    }
    await vi.waitFor(() => expect(lab.lesson?.steps[0].status).toBe("passed"));
    lab.dispose();
  });

  it("types a multi-line command a line at a time, each after the prompt is back", async () => {
    const { lab, vm, screens } = await startedLab();
    const write = vm.write.bind(vm);
    const typed: Array<{ data: string; screenBefore: string }> = [];
    vi.spyOn(vm, "write").mockImplementation((terminal, data) => {
      typed.push({ data: String(data), screenBefore: screens.main.text() });
      return write(terminal, data);
    });
    lab.runInTerminal("echo one\n\necho two\n");
    lab.runInTerminal("echo three");
    await vi.waitFor(() => expect(typed).toHaveLength(3));
    expect(typed.map((t) => t.data)).toEqual(["echo one\r", "echo two\r", "echo three\r"]);
    expect(typed[1].screenBefore).toMatch(/\r\none\r\nroot@contained:~# $/);
    expect(typed[2].screenBefore).toMatch(/\r\ntwo\r\nroot@contained:~# $/);
    lab.dispose();
  });

  it("keeps the steps done when the machine is reset, and forgets them only when asked", async () => {
    const { lab } = await startedLab();
    lab.runInTerminal("echo hello > hello.txt");
    await vi.waitFor(() => expect(lab.lesson?.steps[0].status).toBe("passed"));
    await lab.reset();
    expect(lab.lesson?.steps[0].status).toBe("passed");
    await lab.reset({ forgetProgress: true });
    await vi.waitFor(() => expect(lab.lesson?.steps[0].status).toBe("failed"));
    lab.dispose();
  });

  it("types a step's solution into the shells it names", async () => {
    const { lab, screens } = await startedLab();
    lab.typeLines([
      { terminal: "second", text: "echo from-second" },
      { terminal: "main", text: "echo from-main" },
    ]);
    await vi.waitFor(() => expect(screens.main.text()).toContain("from-main"));
    expect(screens.second.text()).toContain("from-second");
    expect(screens.main.text()).not.toContain("from-second");
    lab.dispose();
  });

  it("clears the screens on reset and tells the guest their sizes again", async () => {
    const { lab, vm, screens } = await startedLab();
    lab.terminals.main.screenResized({ rows: 40, cols: 120 });
    await lab.terminals.main.syncSize();
    expect(vm.sizes.get("main")).toEqual({ rows: 40, cols: 120 });
    vm.sizes.clear();
    await lab.reset();
    expect(screens.main.text()).toBe("root@contained:~# ");
    await vi.waitFor(() => expect(vm.sizes.get("main")).toEqual({ rows: 40, cols: 120 }));
    lab.dispose();
  });
});
