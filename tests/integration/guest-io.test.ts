// The guest's I/O on the real VM: a flood from the learner's shell arrives whole even when the
// UI draws slowly (the machine holds output and pauses), and a large file goes in and comes
// back out of the guest over the control channel unchanged.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VmEvent } from "../../worker/api";
import { startNodeVm, type NodeVm } from "../../worker/node-client";
import { downloadFile, uploadFile } from "../../web/files/transfer";
import { PROMPT, TerminalLog } from "./harness";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("guest I/O", () => {
  let vm: NodeVm;
  const main = new TerminalLog();
  /** A UI that draws slowly: it says what it drew a little later, a chunk at a time. */
  let drawnLater = 0;
  let closed = false;

  beforeAll(async () => {
    vm = startNodeVm();
    await vm.listen((event: VmEvent) => {
      if (event.type !== "output" || event.terminal !== "main") return;
      main.push(event.data);
      const bytes = event.data.length;
      setTimeout(() => {
        if (closed) return;
        drawnLater += bytes;
        void vm.api.outputDrawn("main", bytes);
      }, 20);
    });
    await vm.api.start({ imagesBase: vm.imagesBase, wasmPath: vm.wasmPath, from: "state", pacedOutput: true });
    await main.waitFor(PROMPT);
  });
  afterAll(async () => {
    closed = true;
    await vm.api.stop().catch(() => undefined);
    await vm.close();
  });

  it("a flood's every byte reaches the UI side, the count the guest wrote, however slowly the UI draws", async () => {
    const n = 17 * 60_000; // 1 MB of 17-byte lines
    const from = main.text.length;
    // tee's copy goes to the terminal, and wc -c says how many bytes the guest wrote.
    await vm.api.write("main", `yes 0123456789abcdef | head -c ${n} | tee /dev/tty | wc -c; echo flood''-done\n`);
    const out = await main.waitFor("flood-done\r\n", 120_000, from);
    const lines = out
      .slice(out.indexOf("\n") + 1) // after the echoed command
      .replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "") // bash's bracketed-paste switch
      .replace(/\r/g, "")
      .split("\n");
    const flood = lines.slice(0, n / 17);
    expect(flood.filter((line) => line !== "0123456789abcdef").slice(0, 3)).toEqual([]);
    expect(lines[n / 17]).toBe(String(n));
    expect(drawnLater).toBeGreaterThan(0);
  });

  it("a 32 MiB file uploaded into the guest downloads back with the same sha256", async () => {
    const exec = vm.api.exec.bind(vm.api);
    const data = new Uint8Array(randomBytes(32 << 20));
    const progress: number[] = [];
    const path = await uploadFile(exec, "round-trip.bin", data, { onProgress: (done) => progress.push(done) });
    expect(progress.at(-1)).toBe(data.length);
    const guest = await vm.api.exec(`sha256sum ${path}`, { timeoutMs: 60_000 });
    expect(guest.stdout.split(" ")[0]).toBe(sha256(data));
    const back = await downloadFile(exec, path);
    expect(sha256(back)).toBe(sha256(data));
    await vm.api.exec(`rm -f ${path}`);
  }, 300_000);
});
