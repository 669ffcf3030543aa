// Lesson markdown, split into prose (rendered to HTML) and shell commands (shown with a Run
// button). Lesson content ships with the site, so its HTML is trusted.
import { marked, type Token, type TokensList } from "marked";

export type LessonBlock = { kind: "html"; html: string } | { kind: "command"; code: string };

/** Code fences in these languages are commands the learner can run. */
const RUNNABLE = new Set(["sh", "bash", "shell"]);

export function lessonBlocks(source: string): LessonBlock[] {
  const tokens = marked.lexer(source);
  const blocks: LessonBlock[] = [];
  let prose: Token[] = [];
  const flush = () => {
    if (prose.length === 0) return;
    const list = Object.assign(prose, { links: tokens.links }) as TokensList;
    blocks.push({ kind: "html", html: marked.parser(list) });
    prose = [];
  };
  for (const token of tokens) {
    if (token.type === "code" && RUNNABLE.has(token.lang ?? "")) {
      flush();
      blocks.push({ kind: "command", code: token.text });
    } else prose.push(token);
  }
  flush();
  return blocks;
}
