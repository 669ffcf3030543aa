// Reads the lesson folders from disk in the shape import.meta.glob gives the page, so the build
// (vite.config.ts) and the solution test check exactly what the site ships.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { buildLessons, type Lesson, type LessonFiles } from "../web/lessons/format";

export const LESSONS_DIR = new URL("../web/lessons/", import.meta.url).pathname;

/** Every file in a lesson folder (not catalog.ts and its siblings, which sit at the top). */
export function readLessonFiles(dir = LESSONS_DIR): LessonFiles {
  const files: LessonFiles = {};
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (folder !== dir) files["./" + relative(dir, path).split(sep).join("/")] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

export function readLessons(dir = LESSONS_DIR): Lesson[] {
  return buildLessons(readLessonFiles(dir));
}
