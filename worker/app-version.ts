// The lab's version, recorded in every snapshot.
export { version as APP_VERSION } from "../package.json";
