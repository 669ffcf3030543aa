// The page's entry: start the machine first (its worker loads and downloads while the UI's
// code loads), then show the lab.
import { connect } from "./vm/adapter";

const params = new URLSearchParams(location.search);
// The scripted fake machine is for developing the UI only: `?backend=fake` in `npm run dev`.
const backend = import.meta.env.DEV && params.get("backend") === "fake" ? "fake" : "real";

const connection = await connect(backend, { startNow: true });
const { launch } = await import("./app");
performance.mark("contained:ui-loaded");
launch(connection, params);
performance.mark("contained:ui-mounted");
