// `npm run bench snapshots`: what a snapshot costs, in Node, beside what the single-file gzip
// snapshot (the state gzip'd whole, as saveState did before blocks) cost on the same machine.
// The store is fake-indexeddb (in memory): its writes are not a browser's, so they are
// given apart.
import { createRequire } from "node:module";
import { IDBFactory } from "fake-indexeddb";
import { createStore } from "idb-keyval";
import type { SnapshotStores } from "../worker/snapshot-store";
import { VmService } from "../worker/vm-service";
import { EchoSampler, echoSummary } from "./echo-sampler";

type Figure = (name: string, value: string, target?: string) => void;

const require = createRequire(import.meta.url);
const images = new URL("../images/", import.meta.url).pathname;
const wasmPath = require.resolve("v86/build/v86.wasm");
const RUNS = 5;
const UNPACK_RUNS = 3;

const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = (xs: number[]) => `${ms(median(xs))} [${xs.map((x) => x.toFixed(0)).join(", ")}]`;
const parts = (timeline: object) =>
  Object.entries(timeline)
    .map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(0) : String(v)}`)
    .join(", ");

let storeCount = 0;
/** An empty store each time it is called (a first save writes every block). */
function emptyStores(): SnapshotStores {
  Object.assign(globalThis, { indexedDB: new IDBFactory() });
  const n = ++storeCount;
  return { snapshots: createStore(`bench-snapshots-${n}`, "snapshots"), blocks: createStore(`bench-blocks-${n}`, "blocks") };
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

/** What a save added once the pass after it compressed its blocks (a save writes them raw), and that pass's ms from the save's end. */
async function compactedSize(vm: VmService, id: string): Promise<{ added: number; compacted: number }> {
  const [compacted] = await time(() => vm.snapshotsCompacted());
  return { added: (await vm.listSnapshots()).find((s) => s.id === id)?.addedBytes ?? NaN, compacted };
}

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

/** The single-file snapshot as it was: the raw state, gzip'd whole. */
async function gzipSnapshot(vm: VmService): Promise<{ ms: number; size: number }> {
  const [took, size] = await time(async () => (await gzip(await vm.saveRawState())).length);
  return { ms: took, size };
}

export async function benchSnapshots(figure: Figure): Promise<void> {
  let stores = emptyStores();
  const vm = new VmService(() => stores);
  await vm.start({ imagesBase: images, wasmPath, from: "state" });
  await vm.exec("true");
  const sampler = new EchoSampler((terminal, data) => vm.write(terminal, data));
  void vm.subscribe((e) => e.type === "output" && sampler.output(e.terminal, e.data));

  // A and B side by side, one after the other in each run (this machine's speed drifts).
  const before: number[] = [];
  const after: number[] = [];
  let gzipSize = 0;
  let first = { size: 0, added: 0, parts: "" };
  for (let i = 0; i < RUNS; i++) {
    const old = await gzipSnapshot(vm);
    before.push(old.ms);
    gzipSize = old.size;
    stores = emptyStores();
    const [took, saved] = await time(() => vm.saveSnapshot({ name: `booted ${i}`, kind: "named" }));
    after.push(took);
    first = { size: saved.size, added: (await compactedSize(vm, saved.id)).added, parts: parts(saved.timeline) };
  }
  figure(`booted lab: single-file gzip snapshot, save (median of ${RUNS})`, `${runs(before)}, ${mb(gzipSize)}`);
  figure(
    `booted lab: first block snapshot into an empty store, save (median of ${RUNS})`,
    `${runs(after)}, ${mb(first.added)} stored (last run: ${first.parts})`,
    "< 500 ms",
  );

  const again: number[] = [];
  const added: number[] = [];
  let lastParts = "";
  for (let i = 0; i < RUNS; i++) {
    await vm.exec(`echo 'edit ${i}' >> /root/notes.txt`);
    const [took, saved] = await time(() => vm.saveSnapshot({ name: `edited ${i}`, kind: "named" }));
    again.push(took);
    added.push((await compactedSize(vm, saved.id)).added);
    lastParts = parts(saved.timeline);
  }
  figure(`next snapshot after a file edited: save (median of ${RUNS})`, `${runs(again)} (last run: ${lastParts})`);
  figure(
    `next snapshot after a file edited: storage added once compressed (median of ${RUNS})`,
    `${mb(median(added))} [${added.map((a) => (a / 1e6).toFixed(2)).join(", ")}]`,
    "< 1 MB",
  );

  const latest = (await vm.listSnapshots())[0];
  const restores: number[] = [];
  let restoreParts = "";
  for (let i = 0; i < 3; i++) {
    const [took, restored] = await time(() => vm.restoreSnapshot(latest.id));
    restores.push(took);
    restoreParts = parts(restored.timeline);
  }
  figure("restore of a block snapshot (median of 3)", `${runs(restores)} (last run: ${restoreParts})`);

  // A start from the pre-booted state beside one that resumes the latest snapshot.
  const fresh: number[] = [];
  const resumed: number[] = [];
  let bootedResumeParts = "";
  for (let i = 0; i < 3; i++) {
    fresh.push((await vm.start({ imagesBase: images, wasmPath, from: "state" })).elapsedMs);
    const started = await vm.start({ imagesBase: images, wasmPath, from: "state", resume: latest.id });
    if (!started.resumed) throw new Error(`the bench's resume failed: ${started.resumeError?.message}`);
    resumed.push(started.elapsedMs);
    bootedResumeParts = parts(started.resumed.timeline);
  }
  figure("start (to the agent's answer) from the pre-booted state (median of 3)", runs(fresh));
  figure("start resuming the latest snapshot instead (median of 3)", `${runs(resumed)} (last run: ${bootedResumeParts})`, "no slower than the above");

  // After the ready-root lesson's unpack of the minbase root.
  await vm.exec("mkdir -p /root/new-root && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/new-root", { timeoutMs: 300_000 });
  const unpackOld = await gzipSnapshot(vm);
  figure("after the minbase unpack: single-file gzip snapshot (no cache dropped), save", `${ms(unpackOld.ms)}, ${mb(unpackOld.size)}`);
  // Each run from the same machine, just unpacked, into a store of its own.
  const unpackedRaw = await vm.saveRawState();
  // (first: each save below leaves the machine with its cache dropped, for the edit after)
  await vm.restoreRawState(unpackedRaw);
  await vm.exec("true");
  const idle = await sampler.during(() => new Promise((r) => setTimeout(r, 2000)));
  figure("after the minbase unpack: keys typed for 2 s with no save running (the guest writes back meanwhile)", echoSummary(idle.echoes));
  const unpackSaves: Array<{ ms: number; timeline: object; added: number; rawAdded: number; compacted: number; echoes: number[] }> = [];
  for (let i = 0; i < UNPACK_RUNS; i++) {
    await vm.restoreRawState(unpackedRaw);
    stores = emptyStores();
    await vm.exec("true");
    const {
      result: [took, saved],
      echoes,
    } = await sampler.during(() => time(() => vm.saveSnapshot({ name: "unpacked", kind: "auto", place: { lesson: "ready-root", step: 1 } })));
    unpackSaves.push({ ms: took, timeline: saved.timeline, rawAdded: saved.addedBytes, ...(await compactedSize(vm, saved.id)), echoes });
  }
  const unpacked = [...unpackSaves].sort((a, b) => a.ms - b.ms)[Math.floor(UNPACK_RUNS / 2)];
  figure(
    `after the minbase unpack: block snapshot, save (median of ${UNPACK_RUNS})`,
    `${runs(unpackSaves.map((r) => r.ms))}, ${mb(unpacked.rawAdded)} written raw, ${mb(unpacked.added)} once the pass after it compressed them (${runs(unpackSaves.map((r) => r.compacted))} after the save) (median run: ${parts(unpacked.timeline)}; keys typed meanwhile: ${echoSummary(unpacked.echoes)})`,
    "< 1000 ms",
  );
  // A/B, alternating: blocks written raw and compressed by the pass after (now) beside blocks
  // compressed in the save (before). (The clean drop against sync + the full drop was settled
  // by an earlier A/B: see the notes.)
  const variants = [
    { name: "blocks written raw, compressed after (now)", release: "clean", compressInPlace: true, compressInSave: false },
    { name: "blocks compressed in the save (before)", release: "clean", compressInPlace: true, compressInSave: true },
  ] as const;
  const byVariant: Array<Array<{ ms: number; compacted: number; timeline: object; echoes: number[] }>> = variants.map(() => []);
  for (let i = 0; i < 3; i++) {
    for (const [v, variant] of [...variants.entries()].reverse()) {
      // (the last run is the save as it is now: the edit below follows it, as it would the learner's save)
      await vm.restoreRawState(unpackedRaw);
      await vm.benchSaveVariant(variant);
      stores = emptyStores();
      await vm.exec("true");
      const {
        result: [took, saved],
        echoes,
      } = await sampler.during(() => time(() => vm.saveSnapshot({ name: "unpacked", kind: "auto" })));
      byVariant[v].push({ ms: took, compacted: (await compactedSize(vm, saved.id)).compacted, timeline: saved.timeline, echoes });
    }
  }
  for (const [v, variant] of variants.entries()) {
    const all = byVariant[v];
    figure(
      `A/B after the unpack, save with ${variant.name} (${all.length} runs, alternating)`,
      `${runs(all.map((r) => r.ms))} (runs: ${all.map((r) => parts(r.timeline)).join(" | ")}; keys typed: ${echoSummary(all.flatMap((r) => r.echoes))}; the pass after it: ${runs(all.map((r) => r.compacted))})`,
    );
  }
  await vm.benchSaveVariant(variants[0]);
  await vm.exec("echo 'after unpack' >> /root/notes.txt");
  const [nextMs, next] = await time(() => vm.saveSnapshot({ name: "unpacked+edit", kind: "auto", place: { lesson: "ready-root", step: 2 } }));
  const nextAdded = (await compactedSize(vm, next.id)).added;
  figure(
    "after the minbase unpack: next snapshot after a file edited",
    `${ms(nextMs)}, ${mb(nextAdded)} added once compressed (${parts(next.timeline)})`,
    "< 1 MB",
  );
  const unpackRestores: number[] = [];
  for (let i = 0; i < 3; i++) unpackRestores.push((await time(() => vm.restoreSnapshot(next.id)))[0]);
  figure("after the minbase unpack: restore (median of 3)", runs(unpackRestores));
  const unpackFresh: number[] = [];
  const unpackResumed: number[] = [];
  let resumeParts = "";
  for (let i = 0; i < 3; i++) {
    unpackFresh.push((await vm.start({ imagesBase: images, wasmPath, from: "state" })).elapsedMs);
    const started = await vm.start({ imagesBase: images, wasmPath, from: "state", resume: next.id });
    if (!started.resumed) throw new Error(`the bench's resume failed: ${started.resumeError?.message}`);
    unpackResumed.push(started.elapsedMs);
    resumeParts = parts(started.resumed.timeline);
  }
  figure("after the minbase unpack: start resuming its snapshot (median of 3)", `${runs(unpackResumed)} (last run: ${resumeParts})`);
  figure("after the minbase unpack: start from the pre-booted state, alternating with the above", runs(unpackFresh));
  figure("storage used by all the snapshots above (blocks once)", mb((await vm.storageEstimate()).snapshotBytes));
  await vm.stop();
}
