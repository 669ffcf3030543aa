// Loaded into a page of the dev server by scripts/bench-snapshots-browser.ts: a machine in its
// own worker, through the same VmApi the page uses, and what its snapshots cost in this
// browser (real IndexedDB, CompressionStream, Web Locks). Not part of the site.
import { proxy, wrap } from "comlink";
import wasmUrl from "v86/build/v86.wasm?url";
import type { RestoreTimeline, SaveTimeline, VmApi } from "../worker/api";
import type { VmService } from "../worker/vm-service";
import { EchoSampler } from "./echo-sampler";
import { SAVE_VARIANTS } from "./save-variants";

/** Saves after the unpack, each from the same machine just unpacked. */
const UNPACK_RUNS = 3;
/** Saves after the unpack made each way, alternating (A/B), this many times each. */
const VARIANT_RUNS = 3;

export interface ProbeFigures {
  firstSave: number;
  /** storage added, once the pass after the save has compressed its blocks */
  firstAdded: number;
  firstTimeline: SaveTimeline;
  edits: Array<{ ms: number; added: number; timeline: SaveTimeline }>;
  restores: Array<{ ms: number; timeline: RestoreTimeline }>;
  unpack?: {
    /** `compacted`: ms the pass after the save took to compress its blocks; `rawAdded`: bytes the save itself wrote */
    saves: Array<{ ms: number; added: number; rawAdded: number; compacted: number; timeline: SaveTimeline; echoes: number[] }>;
    idleEchoes: number[];
    variants: Array<Array<{ ms: number; compacted: number; timeline: SaveTimeline; echoes: number[] }>>;
    nextSave: number;
    nextTimeline: SaveTimeline;
    nextAdded: number;
    restore: number;
    /** start() resuming that last save (its blocks compressed), and from the pre-booted state, alternating */
    resumes: { resumed: number[]; fresh: number[] };
  };
  usage: number | null;
  /** start() to the agent's answer: from the pre-booted state, and resuming the latest snapshot */
  freshStarts: number[];
  resumedStarts: number[];
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

/** What a save added once the pass after it has compressed its blocks, and how long that pass took from the save's end (ms). */
async function compactedSize(api: VmApi, id: string): Promise<{ added: number; compacted: number }> {
  const [compacted] = await timed(() => api.snapshotsCompacted());
  const added = (await api.listSnapshots()).find((s) => s.id === id)?.addedBytes ?? NaN;
  return { added, compacted };
}

export async function probe(withUnpack: boolean): Promise<ProbeFigures> {
  await deleteDatabase("contained-snapshots");
  await deleteDatabase("contained-snapshot-blocks");
  const worker = new Worker(new URL("../worker/entry-browser.ts", import.meta.url), { type: "module" });
  const api = wrap<VmApi & Pick<VmService, "saveRawState" | "restoreRawState" | "benchSaveVariant">>(worker);
  await api.start({ imagesBase: new URL("/images/", location.href).href, wasmPath: new URL(wasmUrl, location.href).href, from: "state" });
  await api.exec("true");
  const sampler = new EchoSampler((terminal, data) => api.write(terminal, data));
  await api.subscribe(proxy((e) => e.type === "output" && sampler.output(e.terminal, e.data)));
  const [firstSave, first] = await timed(() => api.saveSnapshot({ name: "booted", kind: "named" }));
  const firstAdded = (await compactedSize(api, first.id)).added;
  const edits = [];
  for (let i = 0; i < 5; i++) {
    await api.exec(`echo 'edit ${i}' >> /root/notes.txt`);
    const [ms, saved] = await timed(() => api.saveSnapshot({ name: `edit ${i}`, kind: "auto" }));
    edits.push({ ms, added: (await compactedSize(api, saved.id)).added, timeline: saved.timeline });
  }
  const [latest] = await api.listSnapshots();
  const restores = [];
  for (let i = 0; i < 3; i++) {
    const [ms, restored] = await timed(() => api.restoreSnapshot(latest.id));
    restores.push({ ms, timeline: restored.timeline });
  }
  const options = { imagesBase: new URL("/images/", location.href).href, wasmPath: new URL(wasmUrl, location.href).href, from: "state" as const };
  const freshStarts = [];
  const resumedStarts = [];
  for (let i = 0; i < 3; i++) {
    freshStarts.push((await api.start(options)).elapsedMs);
    const started = await api.start({ ...options, resume: latest.id });
    if (!started.resumed) throw new Error(`resume failed: ${started.resumeError?.message}`);
    resumedStarts.push(started.elapsedMs);
  }
  const figures: ProbeFigures = {
    firstSave,
    firstAdded,
    firstTimeline: first.timeline,
    edits,
    restores,
    usage: null,
    freshStarts,
    resumedStarts,
  };
  if (withUnpack) {
    await api.exec("mkdir -p /root/new-root && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/new-root", { timeoutMs: 300_000 });
    const unpackedRaw = await api.saveRawState();
    const saves = [];
    // (first: each save below leaves the machine with its cache dropped, for the edit after)
    const idle = await sampler.during(() => new Promise((r) => setTimeout(r, 2000)));
    for (let i = 0; i < UNPACK_RUNS; i++) {
      await api.restoreRawState(unpackedRaw);
      for (const snapshot of await api.listSnapshots()) await api.deleteSnapshot(snapshot.id); // (all its blocks new, each run)
      await api.exec("true");
      const {
        result: [ms, saved],
        echoes,
      } = await sampler.during(() => timed(() => api.saveSnapshot({ name: "unpacked", kind: "auto" })));
      saves.push({ ms, rawAdded: saved.addedBytes, ...(await compactedSize(api, saved.id)), timeline: saved.timeline, echoes });
    }
    const variants: Array<Array<{ ms: number; compacted: number; timeline: SaveTimeline; echoes: number[] }>> = SAVE_VARIANTS.map(() => []);
    for (let i = 0; i < VARIANT_RUNS; i++) {
      for (const [v, variant] of SAVE_VARIANTS.entries()) {
        await api.restoreRawState(unpackedRaw);
        await api.benchSaveVariant(variant);
        for (const snapshot of await api.listSnapshots()) await api.deleteSnapshot(snapshot.id);
        await api.exec("true");
        const {
          result: [ms, saved],
          echoes,
        } = await sampler.during(() => timed(() => api.saveSnapshot({ name: "unpacked", kind: "auto" })));
        variants[v].push({ ms, compacted: (await compactedSize(api, saved.id)).compacted, timeline: saved.timeline, echoes });
      }
    }
    await api.benchSaveVariant(SAVE_VARIANTS[0]);
    await api.exec("echo 'after unpack' >> /root/notes.txt");
    const [nextSave, next] = await timed(() => api.saveSnapshot({ name: "unpacked+edit", kind: "auto" }));
    const nextAdded = (await compactedSize(api, next.id)).added;
    const [restore] = await timed(() => api.restoreSnapshot(next.id));
    const resumes = { resumed: [] as number[], fresh: [] as number[] };
    for (let i = 0; i < 3; i++) {
      const started = await api.start({ ...options, resume: next.id });
      if (!started.resumed) throw new Error(`resume failed: ${started.resumeError?.message}`);
      resumes.resumed.push(started.elapsedMs);
      resumes.fresh.push((await api.start(options)).elapsedMs);
    }
    figures.unpack = { saves, idleEchoes: idle.echoes, variants, nextSave, nextTimeline: next.timeline, nextAdded, restore, resumes };
  }
  figures.usage = (await api.storageEstimate()).usage;
  await api.stop();
  worker.terminate();
  return figures;
}
