import { describe, expect, it } from "vitest";
import { connectFake } from "../../../web/vm/adapter";
import type { FakeVm } from "../../../web/vm/fake-vm";
import { Lab } from "../../../web/state/lab.svelte";

async function startedLab() {
  const connection = await connectFake({ stepMs: 0 });
  const lab = new Lab(connection);
  expect(await lab.start()).toBe(true);
  return { lab, vm: connection.api as FakeVm };
}

describe("pausing and stopping the machine (an embedding page asks)", () => {
  it("a paused machine takes no input and runs nothing until it resumes", async () => {
    const { lab, vm } = await startedLab();
    await lab.pause();
    expect(lab.machine.status).toBe("paused");
    expect(lab.machine.isPaused).toBe(true);
    expect(lab.machine.isRunning).toBe(false);
    await expect(vm.write("main", "ls\r")).rejects.toThrow(/not running/);
    await lab.resume();
    expect(lab.machine.isRunning).toBe(true);
  });

  it("a stopped machine is gone; starting again gives a fresh one, with blank terminals", async () => {
    const { lab } = await startedLab();
    await lab.stop();
    expect(lab.machine.stopped).toBe(true);
    expect(lab.machine.status).toBe("stopped");
    expect(await lab.startAgain()).toBe(true);
    expect(lab.machine.stopped).toBe(false);
    expect(lab.machine.stage).toBe("ready");
  });
});
