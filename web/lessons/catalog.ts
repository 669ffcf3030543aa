// Lessons are data: `NN-lesson/index.md` (title and introduction) and `NN-lesson/NN-step/index.md`
// (title and prose) with a `check.sh` beside each step. This turns those files into typed lessons.
import { parseFrontmatter } from "./frontmatter";

export interface LessonStep {
  /** The step's folder name, e.g. "01-create-a-file". */
  id: string;
  title: string;
  markdown: string;
  /** A shell script run on the control channel: exit status 0 means the step is done. What it prints on failure is shown as a hint. */
  check: string;
}

export interface Lesson {
  id: string;
  title: string;
  introduction: string;
  steps: LessonStep[];
}

/** File contents keyed by path relative to the lessons folder, as import.meta.glob returns them. */
export type LessonFiles = Record<string, string>;

function requireTitle(attributes: Record<string, string>, path: string): string {
  const title = attributes.title;
  if (!title) throw new Error(`${path}: the frontmatter has no title`);
  return title;
}

export function buildLessons(pages: LessonFiles, checks: LessonFiles): Lesson[] {
  const lessons = new Map<string, Lesson>();
  const paths = Object.keys(pages).sort();
  for (const path of paths) {
    const parts = path.replace(/^\.\//, "").split("/");
    if (parts.length !== 2) continue;
    const { attributes, body } = parseFrontmatter(pages[path]);
    lessons.set(parts[0], { id: parts[0], title: requireTitle(attributes, path), introduction: body, steps: [] });
  }
  for (const path of paths) {
    const parts = path.replace(/^\.\//, "").split("/");
    if (parts.length !== 3) continue;
    const lesson = lessons.get(parts[0]);
    if (!lesson) throw new Error(`${path}: the lesson folder ${parts[0]} has no index.md`);
    const { attributes, body } = parseFrontmatter(pages[path]);
    const check = checks[path.replace(/index\.md$/, "check.sh")];
    if (check === undefined) throw new Error(`${path}: the step has no check.sh beside it`);
    lesson.steps.push({ id: parts[1], title: requireTitle(attributes, path), markdown: body, check });
  }
  return [...lessons.values()];
}

const pages = import.meta.glob<string>(["./*/index.md", "./*/*/index.md"], { query: "?raw", import: "default", eager: true });
const checks = import.meta.glob<string>("./*/*/check.sh", { query: "?raw", import: "default", eager: true });

/** Every lesson shipped with the site, in folder order. */
export const lessons: Lesson[] = buildLessons(pages, checks);
