// Lesson markdown, split into prose (rendered to HTML) and shell commands (shown with a Run
// button that types into one of the learner's shells). The HTML is not safe as it is (a lesson
// pack may come from another site): Markdown.svelte sanitizes it (sanitize.ts). A quiz block is
// drawn by the step itself (quiz.ts), not here.
import { marked, type Token, type Tokens, type TokensList } from "marked";
import type { TerminalId } from "../../worker/api";

export type LessonBlock = { kind: "html"; html: string } | { kind: "command"; code: string; terminal: TerminalId };

/** Code fences in these languages are commands the learner can run. */
const RUNNABLE = new Set(["sh", "bash", "shell"]);

/** `sh`, `sh second`, `bash main`: the language, then the shell it types into. */
function commandTerminal(info: string, fallback: TerminalId): TerminalId | null {
  const [language, ...words] = info.trim().split(/\s+/);
  if (!RUNNABLE.has(language)) return null;
  if (words.includes("second")) return "second";
  if (words.includes("main")) return "main";
  return fallback;
}

export function lessonBlocks(source: string, terminal: TerminalId = "main"): LessonBlock[] {
  const tokens = marked.lexer(source);
  const blocks: LessonBlock[] = [];
  let prose: Token[] = [];
  const flush = () => {
    if (prose.length === 0) return;
    const list = Object.assign(prose, { links: tokens.links }) as TokensList;
    const html = marked.parser(list);
    if (html.trim()) blocks.push({ kind: "html", html });
    prose = [];
  };
  for (const token of tokens) {
    if (token.type !== "code") {
      prose.push(token);
      continue;
    }
    const code = token as Tokens.Code;
    const target = commandTerminal(code.lang ?? "", terminal);
    if (code.lang?.trim() === "quiz") continue;
    if (!target) prose.push(token);
    else {
      flush();
      blocks.push({ kind: "command", code: code.text, terminal: target });
    }
  }
  flush();
  return blocks;
}
