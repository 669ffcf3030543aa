// The lesson format (LESSONS.md): what the site ships, and what it refuses, naming the file.
import { describe, expect, it } from "vitest";
import { readLessonFiles } from "../../../scripts/lesson-files";
import { lessons } from "../../../web/lessons/catalog";
import { buildLessons, findLesson, findStep, type LessonFiles } from "../../../web/lessons/format";
import { parseFrontmatter } from "../../../web/lessons/frontmatter";
import { lessonBlocks } from "../../../web/lessons/markdown";
import { parseQuiz } from "../../../web/lessons/quiz";
import { commandLines, parseSolution } from "../../../web/lessons/solution";

const page = (title: string, extra = "", body = "") => `---\ntitle: ${title}\n${extra}---\n${body}`;

function lessonFiles(extra: LessonFiles = {}): LessonFiles {
  return {
    "./00-a/index.md": page("A", "summary: The first\n", "Intro"),
    "./00-a/02-second/index.md": page("Second", "", "Two"),
    "./00-a/02-second/check.sh": "false",
    "./00-a/02-second/solution.sh": "#@ second\necho two\n",
    "./00-a/01-first/index.md": page("First", "terminal: second\n", "One"),
    "./00-a/01-first/check.sh": "true",
    "./00-a/01-first/solution.sh": "echo one\n",
    "./00-a/01-first/setup.sh": "mkdir -p /root/x",
    ...extra,
  };
}

describe("the lesson format", () => {
  it("reads the frontmatter and the body", () => {
    expect(parseFrontmatter('---\ntitle: "Hello: world"\nterminal: main\n---\nBody\n')).toEqual({
      attributes: { title: "Hello: world", terminal: "main" },
      body: "Body\n",
    });
    expect(parseFrontmatter("No frontmatter")).toEqual({ attributes: {}, body: "No frontmatter" });
  });

  it("builds lessons from folders, steps in folder order, each with its check, solution and setup", () => {
    const [lesson] = buildLessons(lessonFiles());
    expect(lesson).toMatchObject({ id: "a", folder: "00-a", title: "A", summary: "The first", introduction: "Intro" });
    expect(lesson.steps.map((s) => s.id)).toEqual(["01-first", "02-second"]);
    expect(lesson.steps[0]).toMatchObject({
      terminal: "second",
      check: "true",
      setup: "mkdir -p /root/x",
      solution: [{ terminal: "second", text: "echo one" }],
    });
    expect(lesson.steps[1]).toMatchObject({ terminal: "main", setup: undefined, solution: [{ terminal: "second", text: "echo two" }] });
  });

  it("refuses a step without its check or its solution, naming the folder", () => {
    const noCheck = lessonFiles();
    delete noCheck["./00-a/02-second/check.sh"];
    expect(() => buildLessons(noCheck)).toThrow("./00-a/02-second: the step has no check.sh");
    const noSolution = lessonFiles();
    delete noSolution["./00-a/01-first/solution.sh"];
    expect(() => buildLessons(noSolution)).toThrow("./00-a/01-first: the step has no solution.sh");
  });

  it("refuses a bad frontmatter field, naming the file", () => {
    expect(() => buildLessons(lessonFiles({ "./00-a/01-first/index.md": page("First", "focus: x\n") }))).toThrow(
      './00-a/01-first/index.md: unknown frontmatter field "focus"',
    );
    expect(() => buildLessons(lessonFiles({ "./00-a/01-first/index.md": page("First", "terminal: third\n") }))).toThrow('terminal must be "main" or "second"');
    expect(() => buildLessons(lessonFiles({ "./00-a/index.md": "no title" }))).toThrow("./00-a/index.md: the frontmatter has no title");
    expect(() => buildLessons(lessonFiles({ "./00-a/01-first/notes.txt": "x" }))).toThrow("./00-a/01-first/notes.txt: a step folder holds only");
    expect(() => buildLessons(lessonFiles({ "./Lesson/index.md": page("L") }))).toThrow("./Lesson/index.md: a lesson folder is named NN-name");
  });

  it("takes a quiz step without a check, and refuses a quiz with a check", () => {
    const quiz = "```quiz\n? Which?\n- no\n+ yes\n> Right.\n```\n";
    const files = lessonFiles({ "./00-a/03-quiz/index.md": page("Quiz", "", quiz) });
    expect(buildLessons(files)[0].steps[2].quiz).toEqual({
      question: "Which?",
      choices: [
        { text: "no", correct: false, feedback: "" },
        { text: "yes", correct: true, feedback: "Right." },
      ],
    });
    expect(() => buildLessons({ ...files, "./00-a/03-quiz/check.sh": "true" })).toThrow("a quiz step is answered in the page");
    expect(() => parseQuiz("```quiz\n? Which?\n+ a\n+ b\n```")).toThrow("exactly one choice is right");
    expect(() => parseQuiz("```quiz\n- a\n+ b\n```")).toThrow("no question");
  });

  it("finds a lesson by its name or folder, and a step by its number or folder", () => {
    const built = buildLessons(lessonFiles());
    expect(findLesson(built, "a")?.folder).toBe("00-a");
    expect(findLesson(built, "00-a")?.id).toBe("a");
    expect(findLesson(built, "b")).toBeUndefined();
    expect(findStep(built[0], "2")).toBe(1);
    expect(findStep(built[0], "01-first")).toBe(0);
    expect(findStep(built[0], "first")).toBe(0);
    expect(findStep(built[0], "9")).toBe(-1);
    expect(findStep(built[0], null)).toBe(-1);
  });
});

describe("solution.sh", () => {
  it("types each line into the shell the last #@ names, skipping comments and blank lines", () => {
    expect(parseSolution("# a comment\ntail -f /tmp/log\n\n#@ second\nps aux\n#@ main\nexit\n")).toEqual([
      { terminal: "main", text: "tail -f /tmp/log" },
      { terminal: "second", text: "ps aux" },
      { terminal: "main", text: "exit" },
    ]);
  });

  it("types a here-document as written, its comments and blank lines included", () => {
    const lines = parseSolution("cat > run.sh <<'EOF'\n#!/bin/sh\n\n# step one\nEOF\nchmod +x run.sh\n").map((l) => l.text);
    expect(lines).toEqual(["cat > run.sh <<'EOF'", "#!/bin/sh", "", "# step one", "EOF", "chmod +x run.sh"]);
    expect(() => parseSolution("cat <<EOF\nnever closed\n")).toThrow('never closed by a line "EOF"');
    expect(() => parseSolution("#@ third\nls\n")).toThrow('"#@ main" or "#@ second"');
  });
});

describe("a Run block's lines", () => {
  it("keep a here-document whole, blank lines included, and skip blank lines outside it", () => {
    expect(commandLines("cat > f <<'EOF'\na\n\nb\nEOF\n\nls\n", "second").map((l) => [l.terminal, l.text])).toEqual([
      ["second", "cat > f <<'EOF'"],
      ["second", "a"],
      ["second", ""],
      ["second", "b"],
      ["second", "EOF"],
      ["second", "ls"],
    ]);
  });
});

describe("lessonBlocks", () => {
  it("turns sh code blocks into commands for the shell they name, and the rest into HTML", () => {
    const blocks = lessonBlocks("Make a file:\n\n```sh\necho hello > hello.txt\n```\n\n```sh second\nps aux\n```\n\nOutput:\n\n```text\nhello\n```\n");
    expect(blocks.map((b) => b.kind)).toEqual(["html", "command", "command", "html"]);
    expect(blocks[1]).toEqual({ kind: "command", code: "echo hello > hello.txt", terminal: "main" });
    expect(blocks[2]).toEqual({ kind: "command", code: "ps aux", terminal: "second" });
    expect(blocks[0].kind === "html" && blocks[0].html).toBe("<p>Make a file:</p>\n");
    expect(blocks[3].kind === "html" && blocks[3].html).toContain("<pre><code");
  });

  it("types into the step's own shell by default, and leaves the quiz out", () => {
    const blocks = lessonBlocks("```sh\nps aux\n```\n\n```quiz\n? Q\n- a\n+ b\n```\n", "second");
    expect(blocks).toEqual([{ kind: "command", code: "ps aux", terminal: "second" }]);
  });
});

describe("the lessons the site ships", () => {
  it("are the files in web/lessons, as the build reads them", () => {
    expect(lessons).toEqual(buildLessons(readLessonFiles()));
    expect(lessons[0].id).toBe("welcome");
  });

  it("have unique step ids within each lesson, and every machine step has a check and a solution", () => {
    for (const lesson of lessons) {
      expect(new Set(lesson.steps.map((s) => s.id)).size).toBe(lesson.steps.length);
      for (const step of lesson.steps) {
        if (step.quiz) continue;
        expect(step.check, `${lesson.folder}/${step.id}`).toBeTruthy();
        expect(step.solution?.length, `${lesson.folder}/${step.id}`).toBeGreaterThan(0);
      }
    }
  });
});
