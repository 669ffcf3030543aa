// The page's entry: read the URL, connect to the machine, show the lab, start the machine.
import { mount } from "svelte";
import App from "./App.svelte";
import "./styles.css";
import { connect } from "./vm/adapter";
import { Lab } from "./state/lab.svelte";
import { Settings } from "./state/settings.svelte";
import { lessons } from "./lessons/catalog";
import { installTestHook } from "./test-hook";

const params = new URLSearchParams(location.search);
// The scripted fake machine is for developing the UI only: `?backend=fake` in `npm run dev`.
const backend = import.meta.env.DEV && params.get("backend") === "fake" ? "fake" : "real";
const lesson = lessons.find((l) => l.id === params.get("lesson")) ?? lessons[0] ?? null;

const settings = new Settings();
settings.followSystem(matchMedia("(prefers-color-scheme: dark)"));

/** The terminal takes focus when the machine is ready, unless the learner is busy elsewhere. */
function terminalMayTakeFocus(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active.closest(".terminals") !== null;
}

const lab = new Lab(await connect(backend), lesson, terminalMayTakeFocus);
mount(App, {
  target: document.getElementById("app")!,
  props: { lab, settings, sandbox: params.get("mode") === "sandbox" },
});
installTestHook(lab);
void lab.start();
