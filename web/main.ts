// The page's entry: start the machine first (its worker loads and downloads while the UI's
// code loads), then show the lab.
import { connect } from "./vm/adapter";
import { claimLab, resumeChoice } from "./snapshots/tab-lock";

const params = new URLSearchParams(location.search);
// The scripted fake machine is for developing the UI only: `?backend=fake` in `npm run dev`.
const backend = import.meta.env.DEV && params.get("backend") === "fake" ? "fake" : "real";

// The first tab of the lab resumes the learner's machine from its latest automatic snapshot.
// (a tab that does not own it becomes the owner when the owning tab closes: see tab-lock.ts)
const { owner, becameOwner } = await claimLab();
const storage = (() => {
  try {
    return localStorage;
  } catch {
    return null; // (a sandboxed frame)
  }
})();
const resume = resumeChoice(storage, owner, params);
const connection = await connect(backend, { startNow: true, autosaves: true, ...(resume ? { resume } : {}) });
// The UI's code loads once the worker has: on two cores, loading both at once slowed the
// worker's start by 0.1 s, and the UI is ready long before the machine is anyway.
await connection.connected.catch(() => {});
const { launch } = await import("./app");
performance.mark("contained:ui-loaded");
launch(connection, params, { owner, storage, becameOwner });
performance.mark("contained:ui-mounted");
