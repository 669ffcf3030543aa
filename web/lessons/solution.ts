// A step's solution.sh: the lines a learner would type, each into one of their two shells.
// `#@ second` (or `#@ main`) on a line of its own sends the lines after it to that shell. Every
// other line is typed as written, comments and blank lines inside a here-document included.

import type { TerminalId } from "../../worker/api";

export interface TypedLine {
  terminal: TerminalId;
  text: string;
}

const DIRECTIVE = /^#@\s*(\S*)\s*$/;
const HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/;

export function parseSolution(source: string, terminal: TerminalId = "main"): TypedLine[] {
  const lines: TypedLine[] = [];
  let current = terminal;
  let heredocEnd: string | null = null;
  for (const raw of source.replace(/\r\n/g, "\n").split("\n")) {
    if (heredocEnd !== null) {
      lines.push({ terminal: current, text: raw });
      if (raw.replace(/^\t+/, "") === heredocEnd) heredocEnd = null;
      continue;
    }
    const directive = DIRECTIVE.exec(raw.trim());
    if (directive) {
      if (directive[1] !== "main" && directive[1] !== "second") throw new Error(`"${raw.trim()}": a shell is "#@ main" or "#@ second"`);
      current = directive[1];
      continue;
    }
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    lines.push({ terminal: current, text: raw });
    heredocEnd = HEREDOC.exec(raw)?.[2] ?? null;
  }
  if (heredocEnd !== null) throw new Error(`the here-document is never closed by a line "${heredocEnd}"`);
  if (lines.length === 0) throw new Error("the solution types nothing");
  return lines;
}

/** A Run block's lines: typed as a solution is (a here-document whole), all into `terminal`. */
export function commandLines(code: string, terminal: TerminalId): TypedLine[] {
  try {
    return parseSolution(code.replace(/^\s*#@.*$/gm, ""), terminal);
  } catch {
    return code
      .split(/\r?\n/)
      .filter((text) => text.trim() !== "")
      .map((text) => ({ terminal, text }));
  }
}
