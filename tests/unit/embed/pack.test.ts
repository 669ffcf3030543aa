import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PackError, fetchPack, lessonsFromPack } from "../../../web/embed/pack";
import { packLessons } from "../../../scripts/pack-lessons";
import { sanitizeLessonHtml } from "../../../web/lessons/sanitize";

const pack = (files: Record<string, string>) => ({ format: "contained-lesson-pack", version: 1, files });
const lessonFiles = {
  "01-hello/index.md": "---\ntitle: Hello\n---\nIntro",
  "01-hello/01-file/index.md": "---\ntitle: A file\n---\nMake one.",
  "01-hello/01-file/check.sh": "test -f /root/f",
  "01-hello/01-file/solution.sh": "touch /root/f",
};

describe("lesson packs", () => {
  it("are read like the site's own lessons", () => {
    const [lesson] = lessonsFromPack(pack(lessonFiles));
    expect(lesson).toMatchObject({ id: "hello", title: "Hello", steps: [{ id: "01-file", check: "test -f /root/f" }] });
  });

  it("refuse what is not a pack, naming what is wrong", () => {
    expect(() => lessonsFromPack({ files: lessonFiles })).toThrow(/not a lesson pack/);
    expect(() => lessonsFromPack({ ...pack(lessonFiles), version: 2 })).toThrow(/version 2/);
    expect(() => lessonsFromPack(pack({}))).toThrow(/no files/);
    expect(() => lessonsFromPack(pack({ ...lessonFiles, "01-hello/01-file/check.sh": 5 as unknown as string }))).toThrow(
      /check\.sh: a file's content must be text/,
    );
    expect(() => lessonsFromPack(pack({ ...lessonFiles, "01-hello/01-file/run.js": "alert(1)" }))).toThrow(PackError);
    expect(() => lessonsFromPack(pack({ "01-hello/index.md": "no frontmatter" }))).toThrow(/01-hello\/index\.md/);
  });

  it("are downloaded without cookies, and a download that fails says so", async () => {
    let init: RequestInit | undefined;
    const ok = async (_url: string | URL | Request, given?: RequestInit) => ((init = given), new Response(JSON.stringify(pack(lessonFiles))));
    expect(await fetchPack("https://docs.example/lessons.json", ok as typeof fetch)).toHaveLength(1);
    expect(init).toEqual({ credentials: "omit" });
    await expect(fetchPack("https://docs.example/x.json", (async () => new Response("nope", { status: 404 })) as typeof fetch)).rejects.toThrow(/HTTP 404/);
    await expect(fetchPack("https://docs.example/x.json", (async () => new Response("{")) as typeof fetch)).rejects.toThrow(/is not JSON/);
  });

  it("the example docs page's pack is its lessons folder, packed", () => {
    const committed = JSON.parse(readFileSync("examples/docs/lessons.json", "utf8"));
    expect(committed).toEqual(packLessons("examples/docs/lessons", committed.title));
  });
});

describe("lesson HTML without a DOM", () => {
  it("is escaped, never passed through raw", () => {
    expect(sanitizeLessonHtml('<img src=x onerror="alert(1)">')).toBe("&#60;img src=x onerror=&#34;alert(1)&#34;&#62;");
  });
});
