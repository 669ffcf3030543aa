import { describe, expect, it } from "vitest";
import { snapshotMessage } from "../../../web/snapshots/messages";
import { LATEST_KEY, resumeChoice } from "../../../web/snapshots/tab-lock";

describe("snapshot messages", () => {
  it("says a full storage kept the earlier snapshots and the machine runs on", () => {
    const text = snapshotMessage("save", { code: "quota-exceeded", message: "full" });
    expect(text).toMatch(/storage for this site is full/);
    expect(text).toMatch(/earlier snapshots are intact and the machine runs on/);
  });

  it("tells an imported file that is not a snapshot from a damaged stored one, naming what is wrong", () => {
    expect(snapshotMessage("import", { code: "bad-snapshot", message: "no magic" })).toMatch(
      /^This file is not a Contained snapshot, or it is damaged \(no magic\)\. Nothing was imported/,
    );
    expect(snapshotMessage("restore", { code: "bad-snapshot", message: "block abc is missing" })).toMatch(
      /^This snapshot is damaged and cannot be restored \(block abc is missing\)\. It is kept/,
    );
  });

  it("says a snapshot of another image cannot be used here, and is kept", () => {
    expect(snapshotMessage("restore", { code: "snapshot-mismatch", message: "image 1234" })).toMatch(
      /older image .*image 1234.* cannot be restored here\. It is kept/,
    );
    expect(snapshotMessage("import", { code: "snapshot-mismatch", message: "v86 0.5.1" })).toMatch(/another version .*v86 0\.5\.1.*Nothing was imported/);
  });

  it("words any other failure with what was being done", () => {
    expect(snapshotMessage("rename", { code: "internal", message: "boom" })).toBe("Could not rename the snapshot: boom");
  });
});

describe("resumeChoice", () => {
  const storage = (id: string | null) => ({ getItem: (k: string) => (k === LATEST_KEY ? id : null), setItem() {}, removeItem() {} });

  it("resumes the latest automatic snapshot in the tab that owns the lab", () => {
    expect(resumeChoice(storage("snap-1"), true, new URLSearchParams("lesson=chroot"))).toBe("snap-1");
  });

  it("starts fresh in a second tab, when asked (?fresh), and when nothing was saved", () => {
    expect(resumeChoice(storage("snap-1"), false, new URLSearchParams())).toBeUndefined();
    expect(resumeChoice(storage("snap-1"), true, new URLSearchParams("fresh"))).toBeUndefined();
    expect(resumeChoice(storage(null), true, new URLSearchParams())).toBeUndefined();
    expect(resumeChoice(null, true, new URLSearchParams())).toBeUndefined();
  });
});
