// Notices when a shell shows its prompt. Only for the UI's own cues (when to run a lesson's
// check, when the page became usable); never to learn a command's result, which comes from
// the control channel with an explicit exit status.

const TAIL_CHARS = 128;
/** CSI and OSC escape sequences, which a prompt may carry around its text. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const PROMPT_END = /[#$] $/;

export class PromptWatcher {
  private tail = "";

  /** Feeds terminal output; true when the output now ends with a prompt. */
  push(data: Uint8Array): boolean {
    // Latin-1 decoding: one char per byte, enough to see ASCII and never throws.
    let text = "";
    for (const b of data) text += String.fromCharCode(b);
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
    return PROMPT_END.test(this.tail.replace(ESCAPES, ""));
  }

  reset(): void {
    this.tail = "";
  }
}
