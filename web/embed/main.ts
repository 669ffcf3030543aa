// embed.html's entry: the lab for a frame in another page (see embed-app.ts). As on the lab's own
// page, the machine starts first (unless the page asked for a click), then the UI loads.
import { connect } from "../vm/adapter";
import { parseEmbedConfig } from "./config";

const config = parseEmbedConfig(location.search, location.origin);
const connection = await connect("real", { startNow: !config.startOnClick });
await connection.connected.catch(() => {});
const { launchEmbed } = await import("./embed-app");
await launchEmbed(connection, config);
