// A lesson pack: a docs site's own lessons, in the curriculum's format (LESSONS.md), as one JSON
// file (scripts/pack-lessons.ts makes it from a lessons folder):
//   { "format": "contained-lesson-pack", "version": 1, "title": "...",
//     "files": { "01-my-lesson/index.md": "...", "01-my-lesson/01-a-step/check.sh": "...", ... } }
// It is checked exactly as the site's own lessons are (lessons/format.ts). Its Markdown is
// sanitized when shown (lessons/sanitize.ts) and its checks run on the control channel only,
// like every lesson's.
import { buildLessons, type Lesson, type LessonFiles } from "../lessons/format";
import { MAX_PACK_BYTES } from "./protocol";

export const PACK_FORMAT = "contained-lesson-pack";
export const PACK_VERSION = 1;
const MAX_FILES = 2000;

export interface LessonPack {
  format: typeof PACK_FORMAT;
  version: typeof PACK_VERSION;
  title?: string;
  /** Each lesson file's text, by its path in the lessons folder ("01-my-lesson/index.md"). */
  files: Record<string, string>;
}

export class PackError extends Error {
  readonly code = "bad-pack";
}

/** The lessons in a pack; throws PackError saying what is wrong with it. */
export function lessonsFromPack(value: unknown): Lesson[] {
  const pack = value as Partial<LessonPack> | null;
  if (!pack || typeof pack !== "object" || pack.format !== PACK_FORMAT) throw new PackError(`not a lesson pack (its "format" must be "${PACK_FORMAT}")`);
  if (pack.version !== PACK_VERSION) throw new PackError(`lesson pack version ${JSON.stringify(pack.version)}: this lab reads version ${PACK_VERSION}`);
  const files = pack.files;
  if (!files || typeof files !== "object" || Array.isArray(files)) throw new PackError('a lesson pack has "files": an object of file paths to their text');
  const entries = Object.entries(files);
  if (entries.length === 0) throw new PackError("the lesson pack has no files");
  if (entries.length > MAX_FILES) throw new PackError(`the lesson pack has more than ${MAX_FILES} files`);
  const lessonFiles: LessonFiles = {};
  let bytes = 0;
  for (const [path, text] of entries) {
    if (typeof text !== "string") throw new PackError(`${path}: a file's content must be text`);
    bytes += text.length;
    lessonFiles[path.startsWith("./") ? path : `./${path}`] = text;
  }
  if (bytes > MAX_PACK_BYTES) throw new PackError(`the lesson pack is larger than ${MAX_PACK_BYTES} bytes`);
  try {
    return buildLessons(lessonFiles);
  } catch (e) {
    throw new PackError((e as Error).message);
  }
}

/** Downloads a pack (no cookies sent) and reads its lessons. */
export async function fetchPack(url: string, fetchImpl: typeof fetch = fetch): Promise<Lesson[]> {
  let response: Response;
  try {
    response = await fetchImpl(url, { credentials: "omit" });
  } catch (e) {
    throw new PackError(
      `could not download the lesson pack ${url}: ${(e as Error).message || "network error"} (a pack on another site must be served with CORS)`,
    );
  }
  if (!response.ok) throw new PackError(`could not download the lesson pack ${url}: HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_PACK_BYTES) throw new PackError(`the lesson pack is larger than ${MAX_PACK_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PackError(`${url} is not JSON`);
  }
  return lessonsFromPack(json);
}
