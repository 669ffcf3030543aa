// Every lesson shipped with the site: the files under web/lessons/, in the format LESSONS.md
// describes, read at build time (import.meta.glob) and checked by format.ts.
import { buildLessons, type LessonFiles } from "./format";

export type { Lesson, LessonStep } from "./format";

const files: LessonFiles = import.meta.glob<string>(["./*/index.md", "./*/*/index.md", "./*/*/*.sh"], {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Every lesson, in folder order. */
export const lessons = buildLessons(files);
