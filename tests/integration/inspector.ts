// The kernel view's guest program for tests and scripts on machines whose image predates it:
// when /usr/sbin/contained-inspect is missing, the one built here (scripts/build-agent.sh) is
// uploaded over the control channel and installed there. Once the image ships it, nothing is
// uploaded and the image's own copy is what runs.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { ExecOptions, ExecResult } from "../../worker/api";
import { repoPath } from "../../worker/node-client";
import { INSPECTOR_PATH } from "../../web/inspect/command";

type Exec = (command: string, options?: ExecOptions) => Promise<ExecResult>;

const BUILT = repoPath("build/agent/contained-inspect");
const SOURCE = repoPath("images/agent/inspect.c");
/** Raw bytes per exec: the upload's own chunk size (web/files/transfer.ts). */
const CHUNK = 48 * 1024;

/** Whether the image has the inspector (else it is uploaded by installInspector). */
export async function imageHasInspector(exec: Exec): Promise<boolean> {
  return (await exec(`test -x ${INSPECTOR_PATH}`)).exitCode === 0;
}

/** Makes sure the guest has the inspector; returns "image" or "uploaded". */
export async function installInspector(exec: Exec): Promise<"image" | "uploaded"> {
  if (await imageHasInspector(exec)) return "image";
  if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < statSync(SOURCE).mtimeMs)
    execFileSync("bash", [repoPath("scripts/build-agent.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  const packed = gzipSync(readFileSync(BUILT), { level: 9 });
  for (let offset = 0; offset < packed.length; offset += CHUNK) {
    const chunk = new Uint8Array(packed.subarray(offset, offset + CHUNK));
    const result = await exec(`cat ${offset === 0 ? ">" : ">>"} /tmp/contained-inspect.gz`, { stdin: chunk, timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new Error(`could not upload the inspector: ${result.stderr}`);
  }
  const result = await exec(`gunzip -c /tmp/contained-inspect.gz > ${INSPECTOR_PATH} && chmod 755 ${INSPECTOR_PATH} && rm /tmp/contained-inspect.gz`);
  if (result.exitCode !== 0) throw new Error(`could not install the inspector: ${result.stderr}`);
  return "uploaded";
}
