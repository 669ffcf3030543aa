import { describe, expect, it, vi } from "vitest";
import { connectFake } from "../../../web/vm/adapter";
import type { FakeSnapshots, FakeVm } from "../../../web/vm/fake-vm";
import { Lab } from "../../../web/state/lab.svelte";
import type { Lesson } from "../../../web/lessons/catalog";
import { memoryProgress } from "../../../web/state/progress";
import { LATEST_KEY } from "../../../web/snapshots/tab-lock";
import type { TerminalScreen } from "../../../web/terminal/session.svelte";

const lesson: Lesson = {
  id: "test",
  folder: "00-test",
  title: "Test",
  summary: "",
  introduction: "",
  steps: [
    { id: "01-file", title: "File", markdown: "", terminal: "main", check: "test -f /root/hello.txt", solution: [] },
    { id: "02-other", title: "Other", markdown: "", terminal: "main", check: "test -f /root/other.txt", solution: [] },
  ],
};

function screen(): TerminalScreen {
  let written = "";
  return { write: (data) => (written += new TextDecoder().decode(data)), clear: () => (written = ""), focus: () => {}, text: () => written };
}

function memoryStorage() {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
}

/** A visit of the lab: a page over a fake machine whose snapshots outlive it (as IndexedDB does). */
async function visit(
  snapshots: FakeSnapshots,
  storage = memoryStorage(),
  {
    owner = true,
    becameOwner,
    resume,
    course = lesson,
    step = -1,
  }: { owner?: boolean; becameOwner?: Promise<void>; resume?: string; course?: Lesson; step?: number } = {},
) {
  const connection = await connectFake({ stepMs: 0, snapshots }, { ...(resume ? { resume } : {}) });
  const lab = new Lab(connection, {
    lessons: { all: [course], start: { lesson: course, step }, store: memoryProgress() },
    snapshots: { owner, storage, debounceMs: 20, ...(becameOwner ? { becameOwner } : {}) },
  });
  const screens = { main: screen(), second: screen() };
  lab.terminals.main.attach(screens.main);
  lab.terminals.second.attach(screens.second);
  expect(await lab.start()).toBe(true);
  return { lab, vm: connection.api as FakeVm, screens, storage };
}

describe("Lab snapshots", () => {
  it("a passed step leaves a checkpoint of the next step's start, which the next visit resumes: files, step and screens", async () => {
    const snapshots: FakeSnapshots = new Map();
    const first = await visit(snapshots);
    first.lab.terminals.main.type("echo hello > hello.txt\r");
    await vi.waitFor(() => expect(first.lab.lesson?.activeIndex).toBe(1));
    await vi.waitFor(() => expect(first.storage.getItem(LATEST_KEY)).not.toBeNull());
    const checkpoint = [...snapshots.values()].at(-1)!.summary;
    expect(checkpoint).toMatchObject({ kind: "auto", name: "Start of step 2", place: { lesson: "test", step: 1 } });
    first.lab.dispose();

    const next = await visit(snapshots, first.storage, { resume: first.storage.getItem(LATEST_KEY)! });
    expect(next.lab.snapshots.resumedFrom?.id).toBe(checkpoint.id);
    expect(next.lab.lesson?.activeIndex).toBe(1);
    expect(next.lab.lesson?.steps[0].status).toBe("passed");
    expect(next.screens.main.text()).toContain("echo hello > hello.txt");
    expect(next.vm.files.has("/root/hello.txt")).toBe(true);
    next.lab.dispose();
  });

  it("saves 5 s (here 20 ms) after a command, and on leaving only when something ran", async () => {
    const snapshots: FakeSnapshots = new Map();
    const { lab } = await visit(snapshots);
    await lab.pageHidden();
    expect(snapshots.size).toBe(0);
    lab.terminals.main.type("echo hi\r");
    await vi.waitFor(() => expect(snapshots.size).toBe(1));
    await lab.pageHidden();
    expect(snapshots.size).toBe(1);
    lab.dispose();
  });

  it("a resume that fails says why and goes on from the pre-booted state", async () => {
    const storage = memoryStorage();
    storage.setItem(LATEST_KEY, "gone");
    const { lab, screens } = await visit(new Map(), storage, { resume: "gone" });
    expect(lab.snapshots.resumeError).toMatch(/^Could not resume your machine, so it started fresh: That snapshot is no longer stored/);
    expect(lab.snapshots.resumedFrom).toBeNull();
    expect(screens.main.text()).toBe("root@contained:~# ");
    expect(storage.getItem(LATEST_KEY)).toBeNull();
    lab.dispose();
  });

  it("a second tab does not save automatically and leaves the first tab's resume alone", async () => {
    const snapshots: FakeSnapshots = new Map();
    const storage = memoryStorage();
    storage.setItem(LATEST_KEY, "first-tab");
    const { lab } = await visit(snapshots, storage, { owner: false });
    lab.terminals.main.type("echo hello > hello.txt\r");
    await vi.waitFor(() => expect(lab.lesson?.activeIndex).toBe(1));
    await lab.pageHidden();
    expect(snapshots.size).toBe(0);
    expect(await lab.snapshots.save("mine")).toBe(true);
    expect(storage.getItem(LATEST_KEY)).toBe("first-tab");
    lab.dispose();
  });

  it("a second tab becomes the owner when the first closes: it says so, and saves automatically from then on", async () => {
    const snapshots: FakeSnapshots = new Map();
    const storage = memoryStorage();
    storage.setItem(LATEST_KEY, "first-tab");
    let firstTabClosed!: () => void;
    const becameOwner = new Promise<void>((resolve) => (firstTabClosed = resolve));
    const { lab } = await visit(snapshots, storage, { owner: false, becameOwner });
    expect(lab.snapshots.owner).toBe(false);
    lab.terminals.main.type("echo hello > hello.txt\r");
    await vi.waitFor(() => expect(lab.lesson?.activeIndex).toBe(1));
    await lab.pageHidden();
    expect(snapshots.size).toBe(0);
    firstTabClosed();
    await vi.waitFor(() => expect(lab.snapshots.tookOver).toBe(true));
    expect(lab.snapshots.owner).toBe(true);
    // What the learner did before still counts: the next save keeps it, and the next visit resumes it.
    await lab.pageHidden();
    expect(snapshots.size).toBe(1);
    expect(storage.getItem(LATEST_KEY)).toBe([...snapshots.keys()][0]);
    lab.dispose();
  });

  it("a check given up by a restore leaves no stale hint, and the restored machine is checked afresh", async () => {
    const { lab, vm } = await visit(new Map());
    expect(await lab.snapshots.save("empty")).toBe(true);
    const id = lab.snapshots.list[0].id;
    vm.files.set("/root/hello.txt", new Uint8Array());
    vm.holdExecs = true;
    const checking = lab.lesson!.checkActive();
    await vi.waitFor(() => expect(vm.execsHeld).toBe(1));
    // the check would pass on the machine as it is now; the restore puts back one where it fails
    expect(await lab.snapshots.restore(id)).toBe(true);
    await checking;
    await vi.waitFor(() => expect(lab.lesson?.steps[0].status).toBe("failed"));
    expect(lab.lesson?.steps[0].hint).not.toMatch(/Could not check/);
    lab.dispose();
  });

  it("a quota failure says so, keeps the other snapshots, and the machine runs on", async () => {
    const { lab, vm } = await visit(new Map());
    expect(await lab.snapshots.save("kept")).toBe(true);
    vi.spyOn(vm, "saveSnapshot").mockRejectedValueOnce(Object.assign(new Error("full"), { code: "quota-exceeded" }));
    expect(await lab.snapshots.save("too much")).toBe(false);
    expect(lab.snapshots.error).toMatch(/storage for this site is full/);
    expect(lab.snapshots.list.map((s) => s.name)).toEqual(["kept"]);
    expect(lab.machine.isRunning).toBe(true);
    lab.dispose();
  });

  it("after a full storage refused an automatic save, the lab stops saving until space is freed", async () => {
    const snapshots: FakeSnapshots = new Map();
    const { lab, vm } = await visit(snapshots);
    const save = vi.spyOn(vm, "saveSnapshot").mockRejectedValueOnce(Object.assign(new Error("full"), { code: "quota-exceeded" }));
    lab.terminals.main.type("echo one\r");
    await vi.waitFor(() => expect(lab.snapshots.error).toMatch(/storage for this site is full/));
    lab.terminals.main.type("echo two\r");
    await lab.pageHidden();
    expect(save).toHaveBeenCalledTimes(1);
    expect(snapshots.size).toBe(0);
    expect(await lab.snapshots.save("kept")).toBe(true);
    await lab.pageHidden();
    expect([...snapshots.values()].map((s) => s.summary.kind)).toEqual(["named", "auto"]);
    lab.dispose();
  });

  it("where the browser gives no storage (a frame of another site), the lab says so once and does not try to save automatically", async () => {
    const snapshots: FakeSnapshots = new Map();
    const { lab, vm } = await visit(snapshots);
    const refused = () => Object.assign(new Error("the browser gives the lab no storage in this page"), { code: "storage-unavailable" });
    vi.spyOn(vm, "listSnapshots").mockRejectedValue(refused());
    const save = vi.spyOn(vm, "saveSnapshot");
    await lab.snapshots.refresh();
    expect(lab.snapshots.error).toMatch(/^Snapshots are not available here/);
    lab.terminals.main.type("echo one\r");
    await lab.pageHidden();
    expect(save).not.toHaveBeenCalled();
    expect(lab.machine.isRunning).toBe(true);
    lab.dispose();
  });

  it("a transfer running across a restore stops with a message, and the next one works", async () => {
    const { lab, vm } = await visit(new Map());
    expect(await lab.snapshots.save("before")).toBe(true);
    lab.lesson?.stopPolling();
    vm.holdExecs = true;
    const file = { name: "notes.txt", size: 5, arrayBuffer: async () => new TextEncoder().encode("hello").buffer };
    const uploading = lab.transfer.upload([file]);
    await vi.waitFor(() => expect(vm.execsHeld).toBeGreaterThan(0));
    expect(await lab.snapshots.restore(lab.snapshots.list[0].id)).toBe(true);
    await uploading;
    expect(lab.transfer.message).toEqual({ kind: "error", text: "The transfer stopped: the machine was restored or reset while it ran. Try again." });
    await lab.transfer.upload([file]);
    expect(lab.transfer.message?.kind).toBe("done");
    expect(vm.files.has("/root/notes.txt")).toBe(true);
    lab.dispose();
  });

  it("a resumed machine is not set up again for the step the URL named: its steps done are on it", async () => {
    const withSetup: Lesson = { ...lesson, steps: [lesson.steps[0], { ...lesson.steps[1], setup: "rm -f /root/hello.txt" }] };
    const snapshots: FakeSnapshots = new Map();
    const first = await visit(snapshots, memoryStorage(), { course: withSetup });
    first.lab.terminals.main.type("echo hello > hello.txt\r");
    await vi.waitFor(() => expect(first.storage.getItem(LATEST_KEY)).not.toBeNull());
    first.lab.dispose();

    const next = await visit(snapshots, first.storage, { course: withSetup, step: 1, resume: first.storage.getItem(LATEST_KEY)! });
    await vi.waitFor(() => expect(next.lab.lesson?.steps[1].status).toBe("failed"));
    expect(next.vm.execLog.some((command) => command.includes("rm -f /root/hello.txt"))).toBe(false);
    expect(next.vm.files.has("/root/hello.txt")).toBe(true);
    next.lab.dispose();
  });
});
