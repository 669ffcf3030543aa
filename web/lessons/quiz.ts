// A quiz step's question, written in its index.md as a ```quiz block:
//
//   ? How many kernels run on this machine?
//   - One per shell
//   > Both shells are processes of the same system.
//   + One, shared by every process
//   > Right: ...
//
// `?` the question, `+` the right choice, `-` a wrong one, `>` after a choice: what the learner
// reads when they pick it. Exactly one choice is right.

export interface QuizChoice {
  text: string;
  correct: boolean;
  /** Shown when this choice is picked. */
  feedback: string;
}

export interface Quiz {
  question: string;
  choices: QuizChoice[];
}

const FENCE = /^```quiz[^\S\n]*\n([\s\S]*?)\n```[^\S\n]*$/m;

/** The quiz in a step's markdown, or undefined when it has none. Throws on a malformed one. */
export function parseQuiz(markdown: string): Quiz | undefined {
  const block = FENCE.exec(markdown);
  if (!block) return undefined;
  let question = "";
  const choices: QuizChoice[] = [];
  for (const raw of block[1].split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const text = line.slice(1).trim();
    if (line.startsWith("?")) question = question ? `${question} ${text}` : text;
    else if (line.startsWith("+") || line.startsWith("-")) choices.push({ text, correct: line.startsWith("+"), feedback: "" });
    else if (line.startsWith(">")) {
      const choice = choices.at(-1);
      if (!choice) throw new Error(`quiz: feedback "${text}" comes before any choice`);
      choice.feedback = choice.feedback ? `${choice.feedback} ${text}` : text;
    } else throw new Error(`quiz: a line starts with ?, +, - or >, not "${line}"`);
  }
  if (!question) throw new Error("quiz: no question (a line starting with ?)");
  if (choices.length < 2) throw new Error("quiz: fewer than two choices");
  if (choices.filter((c) => c.correct).length !== 1) throw new Error("quiz: exactly one choice is right (+)");
  return { question, choices };
}

/** The markdown without its quiz block (the quiz is drawn apart). */
export function withoutQuiz(markdown: string): string {
  return markdown.replace(FENCE, "");
}
