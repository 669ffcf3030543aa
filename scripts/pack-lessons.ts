// Bundles a folder of lessons (the curriculum's format: LESSONS.md) into a lesson pack, one JSON
// file a docs site serves beside its pages and gives to an embedded lab
// (<contained-lab pack="lessons.json">; the format is web/embed/pack.ts's). The lessons are
// checked as the site checks its own: a malformed one fails here, naming its file.
//   npm run pack-lessons -- path/to/lessons path/to/lessons.json [--title "My course"]
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { readLessonFiles } from "./lesson-files";
import { PACK_FORMAT, PACK_VERSION, lessonsFromPack, type LessonPack } from "../web/embed/pack";

export function packLessons(dir: string, title?: string): LessonPack {
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(readLessonFiles(resolve(dir) + "/"))) files[path.replace(/^\.\//, "")] = text;
  const pack: LessonPack = { format: PACK_FORMAT, version: PACK_VERSION, ...(title ? { title } : {}), files };
  lessonsFromPack(pack); // throws, naming the file, when a lesson is malformed
  return pack;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const titleAt = args.indexOf("--title");
  const title = titleAt >= 0 ? args.splice(titleAt, 2)[1] : undefined;
  const [dir, out] = args;
  if (!dir || !out) {
    console.error("usage: npm run pack-lessons -- <lessons folder> <pack.json> [--title <title>]");
    process.exit(2);
  }
  try {
    const pack = packLessons(dir, title);
    writeFileSync(out, JSON.stringify(pack, null, 1) + "\n");
    const lessons = lessonsFromPack(pack);
    console.log(`${out}: ${lessons.length} lesson(s), ${lessons.reduce((n, l) => n + l.steps.length, 0)} step(s), ${Object.keys(pack.files).length} files`);
  } catch (e) {
    console.error(`${dir}: ${(e as Error).message}`);
    process.exit(1);
  }
}
