// Notices when a shell shows its prompt: for the UI's own cues (when to type a lesson's next
// line, when to run a check, when the page became usable), never to learn a command's result,
// which comes from the control channel with an explicit exit status. Any shell counts, bash in a
// chroot or a container's own shell too: a prompt is recognised by how it ends, `# `, `$ `, or
// the `> ` of a line still to be continued (a here-document). A shell that marks its commands'
// ends with OSC 133 (`ESC ] 133 ; D ; <status> BEL`, the shell-integration mark terminals use)
// says the last command's exit status too.
// A line entered is echoed before its command runs, and the echo may end in `# `, `$ ` or `> `
// (`echo hi > f` typed whole, its echo split across outputs): until the shell has moved to a new
// line, the end of an echo is not taken for a prompt, unless the shell marks its prompts'
// starts (OSC 133 A, which no echo carries).

const TAIL_CHARS = 128;
/** CSI and OSC escape sequences, which a prompt may carry around its text. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const PROMPT_END = /[#$>] $/;
const COMMAND_END = /\x1b\]133;D(?:;(\d{1,3}))?(?:\x07|\x1b\\)/g;
const PROMPT_START = /\x1b\]133;A[^\x07\x1b]*(?:\x07|\x1b\\)/;
const MARKS = /\x1b\]133;[AD][^\x07\x1b]*(?:\x07|\x1b\\)/g;

export class PromptWatcher {
  private tail = "";
  /** The exit status the shell marked before the prompt last seen (OSC 133 D); undefined when it marked none. */
  exitStatus: number | undefined;
  /** Whether the prompt last seen asks for the rest of a line (`> `), not for a new command. */
  continuation = false;
  /** A line was entered and the shell has not moved to a new line since: its output so far is the line's echo. */
  private echoing = false;

  /** The learner (or a typist) entered a line: what follows, up to a new line, is its echo. */
  lineEntered(): void {
    this.echoing = true;
  }

  /** Feeds terminal output; true when the output now ends with a prompt. */
  push(data: Uint8Array): boolean {
    // Latin-1 decoding: one char per byte, enough to see ASCII and never throws. Only the end
    // of a chunk can matter (a chunk may be 64 KiB of a flood).
    let text = "";
    for (const b of data.subarray(Math.max(0, data.length - TAIL_CHARS))) text += String.fromCharCode(b);
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
    if (this.echoing && data.includes(0x0a)) this.echoing = false;
    const visible = this.tail.replace(ESCAPES, "");
    if (!PROMPT_END.test(visible)) return false;
    if (this.echoing && !PROMPT_START.test(this.tail)) return false;
    this.echoing = false;
    this.continuation = visible.endsWith("> ");
    let status: number | undefined;
    for (const mark of this.tail.matchAll(COMMAND_END)) status = mark[1] === undefined ? undefined : Number(mark[1]);
    this.exitStatus = status;
    // (each mark counts once: a later prompt without one has no status, and an echo after it is no prompt)
    this.tail = this.tail.replace(MARKS, "");
    return true;
  }

  reset(): void {
    this.tail = "";
    this.exitStatus = undefined;
    this.continuation = false;
    this.echoing = false;
  }
}
