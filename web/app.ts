// The lab's UI: loaded by main.ts while the machine already starts in its worker.
import { mount } from "svelte";
import App from "./App.svelte";
import "./styles.css";
import type { VmConnection } from "./vm/adapter";
import { Lab } from "./state/lab.svelte";
import { Settings } from "./state/settings.svelte";
import { lessons } from "./lessons/catalog";
import { findLesson, findStep } from "./lessons/format";
import { storageProgress, memoryProgress, type ProgressStore } from "./state/progress";
import { installTestHook } from "./test-hook";
import { saveToHost } from "./files/save";
import type { KeyValue } from "./snapshots/tab-lock";
import { OfflineState } from "./state/offline.svelte";
import { browserOfflineBackend } from "./offline/backend";

/** The terminal takes focus when the machine is ready, unless the learner is busy elsewhere. */
function terminalMayTakeFocus(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active.closest(".terminals") !== null;
}

function progressStore(): ProgressStore {
  try {
    return storageProgress(localStorage);
  } catch {
    return memoryProgress(); // storage refused (a sandboxed frame): progress lasts for this visit
  }
}

export function launch(
  connection: VmConnection,
  params: URLSearchParams,
  tab: { owner: boolean; storage: KeyValue | null; becameOwner?: Promise<void> },
): void {
  // The lesson and step the URL names (a link, a reload); the first lesson otherwise.
  const lesson = findLesson(lessons, params.get("lesson")) ?? lessons[0];
  const settings = new Settings();
  settings.followSystem(matchMedia("(prefers-color-scheme: dark)"));
  const lab = new Lab(connection, {
    lessons: lesson ? { all: lessons, start: { lesson, step: findStep(lesson, params.get("step")) }, store: progressStore() } : undefined,
    mayTakeFocus: terminalMayTakeFocus,
    snapshots: {
      ...tab,
      download: saveToHost,
      persist: () => navigator.storage?.persist?.() ?? Promise.resolve(false),
      linkedLesson: params.get("lesson"),
    },
  });
  // The machine is kept when the learner leaves (a tab switched away from may never come back).
  const leaving = () => void lab.pageHidden();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leaving();
  });
  addEventListener("pagehide", leaving);
  // Saving the lab for offline use waits until the machine has started: nothing of it may slow
  // the first prompt (and in `npm run dev` there is no service worker).
  const backend = import.meta.env.DEV ? null : browserOfflineBackend();
  const offline = backend ? new OfflineState(backend) : undefined;
  if (offline) {
    const stopWaiting = lab.machine.onReady(() => {
      stopWaiting();
      requestIdleCallback(() => void offline.begin(), { timeout: 2000 });
    });
  }
  mount(App, {
    target: document.getElementById("app")!,
    props: { lab, settings, sandbox: params.get("mode") === "sandbox", offline },
  });
  // ?fresh asked for this start only: a reload resumes again.
  if (params.has("fresh")) {
    const url = new URL(location.href);
    url.searchParams.delete("fresh");
    history.replaceState(null, "", url);
  }
  installTestHook(lab, offline);
  void lab.start();
}
