// The page's entry: start the machine first (its worker loads and downloads while the UI's
// code loads), then show the lab.
import { connect } from "./vm/adapter";

const params = new URLSearchParams(location.search);
// The scripted fake machine is for developing the UI only: `?backend=fake` in `npm run dev`.
const backend = import.meta.env.DEV && params.get("backend") === "fake" ? "fake" : "real";

const connection = await connect(backend, { startNow: true });
// The UI's code loads once the worker has: on two cores, loading both at once slowed the
// worker's start by 0.1 s, and the UI is ready long before the machine is anyway.
await connection.connected.catch(() => {});
const { launch } = await import("./app");
performance.mark("contained:ui-loaded");
launch(connection, params);
performance.mark("contained:ui-mounted");
