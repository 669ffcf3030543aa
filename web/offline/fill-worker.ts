// The worker of fill-remote.ts: the disk's fill, off the page's thread.
import { expose } from "comlink";
import { fillService } from "./fill-remote";

expose({ ...fillService(), ready: () => true as const });
