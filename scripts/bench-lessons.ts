// The lessons' part of `npm run bench`: how long a step's check takes on the control channel
// while the step is open (it runs every 2 s and after each command), over every step of every
// lesson, walked in order on the real VM with the steps' own solutions.
import { createRequire } from "node:module";
import { setupCommand, type LessonStep } from "../web/lessons/format";
import { parseSolution } from "../web/lessons/solution";
import { PromptWatcher } from "../web/terminal/prompt";
import { Typist } from "../web/terminal/typist";
import type { TerminalId } from "../worker/api";
import { VmService } from "../worker/vm-service";
import { readLessons } from "./lesson-files";

const images = new URL("../images/", import.meta.url).pathname;
const wasmPath = createRequire(import.meta.url).resolve("v86/build/v86.wasm");

type Figure = (name: string, value: string, target?: string) => void;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function typeSolution(vm: VmService, watchers: Record<TerminalId, PromptWatcher>, step: LessonStep, onPrompt: Set<(t: TerminalId) => void>) {
  const typist = new Typist({ type: (terminal, text) => void vm.write(terminal, text), stuck: () => {} });
  const listener = (terminal: TerminalId) => typist.promptShown(terminal);
  onPrompt.add(listener);
  typist.enqueue(step.solution ?? parseSolution(step.solutionSource ?? ""));
  await typist.whenIdle();
  onPrompt.delete(listener);
}

export async function benchLessons(figure: Figure): Promise<void> {
  const vm = new VmService();
  const watchers: Record<TerminalId, PromptWatcher> = { main: new PromptWatcher(), second: new PromptWatcher() };
  const onPrompt = new Set<(t: TerminalId) => void>();
  await vm.subscribe((e) => {
    if (e.type === "output" && watchers[e.terminal].push(e.data)) for (const listener of onPrompt) listener(e.terminal);
  });
  await vm.start({ imagesBase: images, wasmPath, from: "state" });
  const open: number[] = [];
  const toPass: number[] = [];
  const timeCheck = async (step: LessonStep) => {
    const t0 = performance.now();
    const result = await vm.exec(step.check!, { timeoutMs: 10_000 });
    return { ms: performance.now() - t0, passed: result.status === "ok" && result.exitCode === 0 };
  };
  try {
    for (const lesson of readLessons()) {
      await vm.reset();
      let first = true;
      for (const step of lesson.steps.filter((s) => !s.quiz)) {
        if (first && step.setup) await vm.exec(setupCommand(step.setup), { timeoutMs: 90_000 });
        first = false;
        for (let i = 0; i < 3; i++) open.push((await timeCheck(step)).ms);
        await typeSolution(vm, watchers, step, onPrompt);
        const typed = performance.now();
        while (!(await timeCheck(step)).passed && performance.now() - typed < 30_000);
        toPass.push(performance.now() - typed);
      }
    }
  } finally {
    await vm.stop();
  }
  figure(
    `lesson check while its step is open, p50 (${open.length} checks over every step)`,
    `${percentile(open, 50).toFixed(0)} ms (p95 ${percentile(open, 95).toFixed(0)} ms)`,
  );
  figure(
    "last solution line typed -> its step's check passes, p50 (checked back to back)",
    `${percentile(toPass, 50).toFixed(0)} ms (p95 ${percentile(toPass, 95).toFixed(0)} ms)`,
  );
}
