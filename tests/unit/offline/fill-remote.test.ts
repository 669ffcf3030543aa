import { expose, wrap } from "comlink";
import { afterEach, describe, expect, it } from "vitest";
import { fillService, fillThrough, type FillWorker } from "../../../web/offline/fill-remote";
import { FillError, type FillProgress } from "../../../web/offline/image-fill";

// The page and the fill's worker over a real MessageChannel, as comlink carries them; the fill
// itself is scripted (image-fill.test.ts tests it).
const channels: MessageChannel[] = [];
afterEach(() => {
  for (const { port1, port2 } of channels.splice(0)) {
    port1.close();
    port2.close();
  }
});

function remoteOf(fill: Parameters<typeof fillService>[0]) {
  const channel = new MessageChannel();
  channels.push(channel);
  expose(fillService(fill), channel.port1);
  return wrap<FillWorker>(channel.port2);
}

describe("the disk's fill in a worker", () => {
  it("tells the page its progress, in order, before it resolves", async () => {
    const seen: FillProgress[] = [];
    const remote = remoteOf(async (base, imageId, onProgress) => {
      expect([base, imageId]).toEqual(["https://lab.example/", "image-1"]);
      for (const stored of [0, 5, 10]) onProgress({ stored, total: 10 });
    });
    await fillThrough(remote, "https://lab.example/", "image-1", (p) => seen.push(p));
    expect(seen).toEqual([
      { stored: 0, total: 10 },
      { stored: 5, total: 10 },
      { stored: 10, total: 10 },
    ]);
  });

  it("rejects with the fill's FillError, its reason kept (the page pauses on 'offline', fails on the rest)", async () => {
    const offline = remoteOf(async () => {
      throw new FillError("offline", "could not download out/disk/rootfs-3.img.zst: network error");
    });
    const failure = await fillThrough(offline, "https://lab.example/", "image-1", () => {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FillError);
    expect(failure).toMatchObject({ reason: "offline", message: "could not download out/disk/rootfs-3.img.zst: network error" });

    const quota = remoteOf(async () => {
      throw new FillError("quota", "there is not enough storage left in this browser to keep the lab for offline use");
    });
    await expect(fillThrough(quota, "https://lab.example/", "image-1", () => {})).rejects.toMatchObject({ reason: "quota" });
  });

  it("reports any other error as failed, with its message", async () => {
    const remote = remoteOf(async () => {
      throw new TypeError("caches.open is not a function");
    });
    await expect(fillThrough(remote, "https://lab.example/", "image-1", () => {})).rejects.toMatchObject({
      reason: "failed",
      message: "caches.open is not a function",
    });
  });
});
