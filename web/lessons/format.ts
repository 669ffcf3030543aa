// The lesson format (LESSONS.md): a folder per lesson and per step. This file turns those files
// into typed lessons and refuses anything malformed with the file's name, both when the site
// builds (vite.config.ts reads the folder) and when the catalog loads. No DOM, no Vite.
import type { TerminalId } from "../../worker/api";
import { HIGHLIGHTS, isHighlight, type Highlight } from "../inspect/highlight";
import { parseFrontmatter } from "./frontmatter";
import { parseQuiz, type Quiz } from "./quiz";
import { parseSolution, type TypedLine } from "./solution";

export interface LessonStep {
  /** The step's folder name, e.g. "01-make-a-file". */
  id: string;
  title: string;
  markdown: string;
  /** The shell that a command block types into unless the block says otherwise. */
  terminal: TerminalId;
  /** A shell script run on the control channel: exit 0 means the step is done; its last line of output is the hint. */
  check?: string;
  /** The lines that complete the step, typed into the learner's shells ("Show me", and the solution test). */
  solution?: TypedLine[];
  /** The solution as written, for showing. */
  solutionSource?: string;
  /** Run on the control channel when the step opens on a machine that did not do the steps before it. */
  setup?: string;
  /** A quiz step is answered in the page instead of checked on the machine. */
  quiz?: Quiz;
  /** What the kernel view points at while the step is open. */
  highlight?: Highlight;
}

export interface Lesson {
  /** The lesson's name in URLs: its folder name without the number, e.g. "namespaces". */
  id: string;
  /** The folder name, e.g. "05-namespaces". */
  folder: string;
  title: string;
  /** One line for the lesson list. */
  summary: string;
  introduction: string;
  steps: LessonStep[];
}

/** File contents keyed by path relative to the lessons folder ("./00-welcome/index.md"), as import.meta.glob gives them. */
export type LessonFiles = Record<string, string>;

export class LessonFormatError extends Error {}

const FOLDER = /^(\d\d)-([a-z0-9]+(?:-[a-z0-9]+)*)$/;
const STEP_FILES = new Set(["index.md", "check.sh", "solution.sh", "setup.sh"]);
const LESSON_FIELDS = new Set(["title", "summary"]);
const STEP_FIELDS = new Set(["title", "terminal", "highlight"]);

function fail(path: string, message: string): never {
  throw new LessonFormatError(`${path}: ${message}`);
}

function attributesOf(source: string, path: string, allowed: Set<string>) {
  let parsed;
  try {
    parsed = parseFrontmatter(source);
  } catch (e) {
    fail(path, (e as Error).message);
  }
  for (const key of Object.keys(parsed.attributes)) {
    if (!allowed.has(key)) fail(path, `unknown frontmatter field "${key}" (allowed: ${[...allowed].join(", ")})`);
  }
  const title = parsed.attributes.title;
  if (!title) fail(path, "the frontmatter has no title");
  return { ...parsed, title };
}

function terminalOf(value: string | undefined, path: string): TerminalId {
  if (value === undefined || value === "main") return "main";
  if (value === "second") return "second";
  fail(path, `terminal must be "main" or "second", not "${value}"`);
}

function highlightOf(value: string | undefined, path: string): Highlight | undefined {
  if (value === undefined || isHighlight(value)) return value;
  fail(path, `highlight must be one of ${HIGHLIGHTS.join(", ")}, not "${value}"`);
}

function buildStep(files: LessonFiles, dir: string, id: string): LessonStep {
  const page = `${dir}/index.md`;
  const { attributes, body, title } = attributesOf(files[page], page, STEP_FIELDS);
  const terminal = terminalOf(attributes.terminal, page);
  const highlight = highlightOf(attributes.highlight, page);
  const check = files[`${dir}/check.sh`];
  const solutionSource = files[`${dir}/solution.sh`];
  const setup = files[`${dir}/setup.sh`];
  let quiz: Quiz | undefined;
  try {
    quiz = parseQuiz(body);
  } catch (e) {
    fail(page, (e as Error).message);
  }
  if (quiz) {
    if (check !== undefined || solutionSource !== undefined) fail(dir, "a quiz step is answered in the page: it has no check.sh or solution.sh");
    return { id, title, markdown: body, terminal, quiz, setup, highlight };
  }
  if (check === undefined) fail(dir, "the step has no check.sh beside its index.md");
  if (solutionSource === undefined) fail(dir, "the step has no solution.sh beside its check.sh");
  let solution: TypedLine[];
  try {
    solution = parseSolution(solutionSource, terminal);
  } catch (e) {
    fail(`${dir}/solution.sh`, (e as Error).message);
  }
  return { id, title, markdown: body, terminal, check, solution, solutionSource, setup, highlight };
}

/** Every lesson in `files`, in folder order, each step in folder order. Throws LessonFormatError naming the file at fault. */
export function buildLessons(files: LessonFiles): Lesson[] {
  const byLesson = new Map<string, Map<string, string[]>>();
  for (const path of Object.keys(files).sort()) {
    const parts = path.replace(/^\.\//, "").split("/");
    const [lessonFolder] = parts;
    if (!FOLDER.test(lessonFolder)) fail(path, `a lesson folder is named NN-name (two digits, lowercase words joined by -), not "${lessonFolder}"`);
    const steps = byLesson.get(lessonFolder) ?? new Map<string, string[]>();
    byLesson.set(lessonFolder, steps);
    if (parts.length === 2) {
      if (parts[1] !== "index.md") fail(path, "a lesson folder holds its index.md and its step folders only");
      continue;
    }
    if (parts.length !== 3 || !STEP_FILES.has(parts[2])) fail(path, `a step folder holds only ${[...STEP_FILES].join(", ")}`);
    if (!FOLDER.test(parts[1])) fail(path, `a step folder is named NN-name, not "${parts[1]}"`);
    steps.set(parts[1], [...(steps.get(parts[1]) ?? []), parts[2]]);
  }
  const lessons: Lesson[] = [];
  const ids = new Set<string>();
  for (const [folder, stepFolders] of byLesson) {
    const page = `./${folder}/index.md`;
    if (files[page] === undefined) fail(`./${folder}`, "the lesson folder has no index.md");
    const { attributes, body, title } = attributesOf(files[page], page, LESSON_FIELDS);
    const id = FOLDER.exec(folder)![2];
    if (ids.has(id)) fail(page, `another lesson is also called "${id}"`);
    ids.add(id);
    const steps: LessonStep[] = [];
    for (const [stepFolder, names] of stepFolders) {
      if (!names.includes("index.md")) fail(`./${folder}/${stepFolder}`, "the step folder has no index.md");
      steps.push(buildStep(files, `./${folder}/${stepFolder}`, stepFolder));
    }
    if (steps.length === 0) fail(page, "the lesson has no steps");
    lessons.push({ id, folder, title, summary: attributes.summary ?? "", introduction: body, steps });
  }
  return lessons;
}

/**
 * The command that runs a step's setup.sh on the control channel: in the learner's cgroup and
 * within the OOM killer's reach (the agent is neither), so what it leaves running (a background
 * `sleep`, a container) is limited, killed and reset as the learner's own processes are.
 */
export function setupCommand(setup: string): string {
  return `echo $$ > /sys/fs/cgroup/learner/shells/cgroup.procs && echo 0 > /proc/self/oom_score_adj || exit 1\n${setup}`;
}

/** The lesson a URL names: by its id ("namespaces") or its folder ("05-namespaces"). */
export function findLesson(lessons: Lesson[], name: string | null): Lesson | undefined {
  if (!name) return undefined;
  return lessons.find((l) => l.id === name || l.folder === name);
}

/** The index of the step a URL names: its number from 1 ("2") or its folder ("02-pid"); -1 if none. */
export function findStep(lesson: Lesson, name: string | null): number {
  if (!name) return -1;
  if (/^\d+$/.test(name)) {
    const index = Number(name) - 1;
    return index >= 0 && index < lesson.steps.length ? index : -1;
  }
  return lesson.steps.findIndex((s) => s.id === name || s.id.replace(/^\d\d-/, "") === name);
}
