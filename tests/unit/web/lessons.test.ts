import { describe, expect, it } from "vitest";
import { buildLessons, lessons } from "../../../web/lessons/catalog";
import { parseFrontmatter } from "../../../web/lessons/frontmatter";
import { lessonBlocks } from "../../../web/lessons/markdown";

describe("lesson content", () => {
  it("reads the frontmatter and the body", () => {
    expect(parseFrontmatter('---\ntitle: "Hello: world"\nfocus: main\n---\nBody\n')).toEqual({
      attributes: { title: "Hello: world", focus: "main" },
      body: "Body\n",
    });
    expect(parseFrontmatter("No frontmatter")).toEqual({ attributes: {}, body: "No frontmatter" });
  });

  it("builds lessons from folders, steps in folder order, each with its check", () => {
    const built = buildLessons(
      {
        "./00-a/index.md": "---\ntitle: A\n---\nIntro",
        "./00-a/02-second/index.md": "---\ntitle: Second\n---\nTwo",
        "./00-a/01-first/index.md": "---\ntitle: First\n---\nOne",
      },
      { "./00-a/01-first/check.sh": "true", "./00-a/02-second/check.sh": "false" },
    );
    expect(built).toEqual([
      {
        id: "00-a",
        title: "A",
        introduction: "Intro",
        steps: [
          { id: "01-first", title: "First", markdown: "One", check: "true" },
          { id: "02-second", title: "Second", markdown: "Two", check: "false" },
        ],
      },
    ]);
  });

  it("refuses a step without a check or a title", () => {
    expect(() => buildLessons({ "./00-a/index.md": "---\ntitle: A\n---\n", "./00-a/01-x/index.md": "---\ntitle: X\n---\n" }, {})).toThrow("no check.sh");
    expect(() => buildLessons({ "./00-a/index.md": "no title" }, {})).toThrow("no title");
  });

  it("ships the welcome lesson: a file, the kernel, then chroot", () => {
    const welcome = lessons.find((l) => l.id === "00-welcome");
    expect(welcome?.steps.map((s) => s.id)).toEqual(["01-make-a-file", "02-meet-the-kernel", "03-a-root-of-your-own"]);
    for (const step of welcome!.steps) expect(step.check).toMatch(/exit 1|\|\|/);
  });

  it("uses the i386 library paths in the chroot step", () => {
    const chroot = lessons[0].steps[2];
    expect(chroot.markdown).toContain("/lib/i386-linux-gnu/libc.so.6");
    expect(chroot.markdown).toContain("/lib/ld-linux.so.2");
    expect(chroot.check).toContain("/root/my-new-root");
  });
});

describe("lessonBlocks", () => {
  it("turns sh code blocks into commands and the rest into HTML", () => {
    const blocks = lessonBlocks("Make a file:\n\n```sh\necho hello > hello.txt\n```\n\nOutput:\n\n```text\nhello\n```\n");
    expect(blocks.map((b) => b.kind)).toEqual(["html", "command", "html"]);
    expect(blocks[1]).toEqual({ kind: "command", code: "echo hello > hello.txt" });
    expect(blocks[0].kind === "html" && blocks[0].html).toBe("<p>Make a file:</p>\n");
    expect(blocks[2].kind === "html" && blocks[2].html).toContain("<pre><code");
  });
});
