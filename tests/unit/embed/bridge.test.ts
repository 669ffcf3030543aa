import { describe, expect, it, vi } from "vitest";
import { EmbedBridge, EmbedFailure, type BridgeWindow, type EmbedControl, type MessageTarget } from "../../../web/embed/bridge";

const LAB = "https://lab.example";
const DOCS = "https://docs.example";

/** A frame's window with its parent page, and another window (a widget on the same page). */
function frameWindow() {
  const posted: Array<{ to: string; message: unknown; origin: string }> = [];
  const target = (name: string): MessageTarget => ({ postMessage: (message, origin) => void posted.push({ to: name, message, origin }) });
  const parent = target("parent");
  const widget = target("widget");
  let listener: ((event: MessageEvent) => void) | null = null;
  const win: BridgeWindow = { parent, addEventListener: (_type, l) => (listener = l), removeEventListener: () => (listener = null) };
  const deliver = async (data: unknown, origin: string, source: MessageTarget | BridgeWindow = parent) => {
    listener?.({ data, origin, source } as unknown as MessageEvent);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { win, parent, widget, posted, deliver };
}

function control(): EmbedControl & { calls: string[] } {
  const calls: string[] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]) =>
      void calls.push(`${name} ${JSON.stringify(args)}`);
  return {
    calls,
    run: record("run"),
    open: async (lesson) => {
      if (lesson !== "namespaces") throw new EmbedFailure("no-such-lesson", `there is no lesson "${lesson}"`);
      calls.push(`open ${lesson}`);
    },
    start: record("start"),
    pause: record("pause"),
    resume: record("resume"),
    stop: record("stop"),
    loadPack: record("loadPack"),
  };
}

describe("EmbedBridge", () => {
  it("does what its parent on a trusted origin asks, and says it is done", async () => {
    const { win, posted, deliver } = frameWindow();
    const lab = control();
    new EmbedBridge(win, [LAB, DOCS], lab, "first").listen();
    await deliver({ contained: 1, id: "1", type: "run", command: "ls" }, DOCS);
    expect(lab.calls).toEqual(['run ["ls",null]']);
    expect(posted).toEqual([{ to: "parent", origin: DOCS, message: { contained: 1, lab: "first", type: "done", request: "run", id: "1" } }]);
  });

  it("answers an untrusted origin, another window, or a malformed message with an error, and does nothing", async () => {
    const { win, widget, posted, deliver } = frameWindow();
    const lab = control();
    new EmbedBridge(win, [LAB, DOCS], lab).listen();
    await deliver({ contained: 1, id: "a", type: "run", command: "rm -rf /" }, "https://evil.example");
    await deliver({ contained: 1, id: "b", type: "run", command: "rm -rf /" }, DOCS, widget);
    await deliver({ contained: 1, id: "c", type: "run", command: "rm -rf /", force: true }, DOCS);
    await deliver({ contained: 1, id: "d", type: "open", lesson: "nope" }, DOCS);
    await deliver({ contained: 1, type: "run", command: "ls" }, "null", widget);
    expect(lab.calls).toEqual([]);
    expect(posted.map((p) => [p.to, p.origin, (p.message as { id?: string }).id, (p.message as { code: string }).code])).toEqual([
      ["parent", "https://evil.example", "a", "untrusted-origin"],
      ["widget", DOCS, "b", "untrusted-origin"],
      ["parent", DOCS, "c", "malformed"],
      ["parent", DOCS, "d", "no-such-lesson"],
      ["widget", "*", undefined, "untrusted-origin"],
    ]);
  });

  it("ignores its own window's messages", async () => {
    const { win, posted, deliver } = frameWindow();
    new EmbedBridge(win, [LAB], control()).listen();
    await deliver({ contained: 1, type: "run", command: "ls" }, LAB, win);
    expect(posted).toEqual([]);
  });

  it("sends events to the parent once per trusted origin, so only a trusted page receives them", () => {
    const { win, posted } = frameWindow();
    new EmbedBridge(win, [LAB, DOCS], control()).send({ type: "step-passed", lesson: "namespaces", step: "01-uts", index: 1 });
    expect(posted.map((p) => p.origin)).toEqual([LAB, DOCS]);
    expect(posted[0].message).toEqual({ contained: 1, type: "step-passed", lesson: "namespaces", step: "01-uts", index: 1 });
  });

  it("sends nothing when it is not in a frame", () => {
    const posted: unknown[] = [];
    const win = { addEventListener: vi.fn(), removeEventListener: vi.fn(), postMessage: (m: unknown) => posted.push(m) } as unknown as BridgeWindow &
      MessageTarget;
    (win as { parent: unknown }).parent = win;
    new EmbedBridge(win, [LAB], control()).send({ type: "ready" });
    expect(posted).toEqual([]);
  });
});
