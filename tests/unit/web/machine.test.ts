import { describe, expect, it } from "vitest";
import { FakeVm } from "../../../web/vm/fake-vm";
import { MachineState } from "../../../web/state/machine.svelte";

const options = { imagesBase: "fake:", wasmPath: "fake:" };

async function connected(vm: FakeVm) {
  const machine = new MachineState(vm, () => vm.start(options));
  const seen: string[] = [];
  await vm.subscribe((event) => {
    machine.handle(event);
    seen.push(event.type === "progress" ? event.progress.phase : event.type === "status" ? event.status : event.type);
  });
  return { machine, seen };
}

describe("MachineState", () => {
  it("reports download progress, then booting, then ready and running", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const { machine, seen } = await connected(vm);
    expect(machine.stage).toBe("idle");
    const stages: string[] = [];
    vm.subscribe((event) => {
      if (event.type === "progress") stages.push(`${machine.stage}:${machine.downloaded}/${machine.downloadTotal}`);
    });
    expect(await machine.start()).toBe(true);
    expect(machine.stage).toBe("ready");
    expect(machine.status).toBe("running");
    expect(machine.isRunning).toBe(true);
    expect(machine.statusLabel).toBe("Running");
    expect(machine.downloaded).toBe(4 * 1024 * 1024);
    expect(machine.downloadTotal).toBe(4 * 1024 * 1024);
    expect(machine.bootFrom).toBe("state");
    expect(stages).toContain(`downloading:${2 * 1024 * 1024}/${4 * 1024 * 1024}`);
    expect(seen.indexOf("booting")).toBeGreaterThan(seen.indexOf("download"));
    expect(seen.indexOf("ready")).toBeGreaterThan(seen.indexOf("booting"));
  });

  it("says what failed and starts again on retry", async () => {
    const vm = new FakeVm({ stepMs: 0, failNextStart: { code: "download-failed", message: "could not download state.bin.zst: HTTP 404" } });
    const { machine } = await connected(vm);
    expect(await machine.start()).toBe(false);
    expect(machine.stage).toBe("failed");
    expect(machine.status).toBe("error");
    expect(machine.error).toEqual({ code: "download-failed", message: "could not download state.bin.zst: HTTP 404" });

    expect(await machine.start()).toBe(true);
    expect(machine.error).toBeNull();
    expect(machine.stage).toBe("ready");
    expect(machine.status).toBe("running");
  });

  it("keeps showing a failure when a download still under way reports progress after it", async () => {
    const vm = new FakeVm({ stepMs: 0, failNextStart: { code: "download-failed", message: "could not download v86.wasm: HTTP 503" } });
    const { machine } = await connected(vm);
    expect(await machine.start()).toBe(false);
    machine.handle({ type: "progress", progress: { phase: "download", file: "state", loaded: 1, total: 2 } });
    expect(machine.stage).toBe("failed");
    expect(machine.error?.message).toContain("v86.wasm");
  });

  it("keeps a failure that came without an error event", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const machine = new MachineState(vm, () => vm.start(options));
    vm.start = () => Promise.reject(new Error("worker crashed"));
    expect(await machine.start()).toBe(false);
    expect(machine.error).toEqual({ code: "internal", message: "worker crashed" });
  });

  it("takes the failure's code from the rejection itself, at once", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const machine = new MachineState(vm, () => vm.start(options));
    // An Error with a code, as comlink delivers a VmError from the worker (see worker/errors.ts).
    vm.start = () => Promise.reject(Object.assign(new Error("HTTP 503"), { name: "VmError", code: "download-failed" }));
    const t0 = performance.now();
    expect(await machine.start()).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(machine.error).toEqual({ code: "download-failed", message: "HTTP 503" });
  });

  it("tells its listeners each time the machine is ready, reset included", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const { machine } = await connected(vm);
    let ready = 0;
    machine.onReady(() => ready++);
    await machine.start();
    expect(await machine.reset()).toBe(true);
    expect(ready).toBe(2);
    expect(machine.stage).toBe("ready");
  });

  it("tells its status listeners each status the machine reports", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const { machine, seen } = await connected(vm);
    const statuses: string[] = [];
    const stop = machine.onStatus((status) => statuses.push(status));
    const from = seen.length;
    await machine.start();
    expect(statuses).toEqual(seen.slice(from).filter((s) => ["stopped", "starting", "running", "busy", "paused", "error"].includes(s)));
    expect(statuses).toContain("running");
    stop();
    machine.handle({ type: "status", status: "busy" });
    expect(statuses).not.toContain("busy");
  });

  it("shows busy while the guest works", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const { machine } = await connected(vm);
    await machine.start();
    machine.handle({ type: "status", status: "busy" });
    expect(machine.statusLabel).toBe("Busy");
    expect(machine.isRunning).toBe(true);
  });

  it("shows an error the machine is retrying as a warning, not a failure", async () => {
    const vm = new FakeVm({ stepMs: 0 });
    const { machine } = await connected(vm);
    await machine.start();
    machine.handle({ type: "error", error: { code: "download-failed", message: "could not load part of the disk; retrying" } });
    expect(machine.stage).toBe("ready");
    expect(machine.error).toBeNull();
    expect(machine.warning?.message).toBe("could not load part of the disk; retrying");
    machine.dismissWarning();
    expect(machine.warning).toBeNull();
  });
});
