// The lab's UI: loaded by main.ts while the machine already starts in its worker.
import { mount } from "svelte";
import App from "./App.svelte";
import "./styles.css";
import type { VmConnection } from "./vm/adapter";
import { Lab } from "./state/lab.svelte";
import { Settings } from "./state/settings.svelte";
import { lessons } from "./lessons/catalog";
import { installTestHook } from "./test-hook";

/** The terminal takes focus when the machine is ready, unless the learner is busy elsewhere. */
function terminalMayTakeFocus(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active.closest(".terminals") !== null;
}

export function launch(connection: VmConnection, params: URLSearchParams): void {
  const lesson = lessons.find((l) => l.id === params.get("lesson")) ?? lessons[0] ?? null;
  const settings = new Settings();
  settings.followSystem(matchMedia("(prefers-color-scheme: dark)"));
  const lab = new Lab(connection, lesson, terminalMayTakeFocus);
  mount(App, {
    target: document.getElementById("app")!,
    props: { lab, settings, sandbox: params.get("mode") === "sandbox" },
  });
  installTestHook(lab);
  void lab.start();
}
