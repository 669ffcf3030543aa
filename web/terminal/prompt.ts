// Notices when a shell shows its prompt: for the UI's own cues (when to type a lesson's next
// line, when to run a check, when the page became usable), never to learn a command's result,
// which comes from the control channel with an explicit exit status. Any shell counts, bash in a
// chroot or a container's own shell too: a prompt is recognised by how it ends, `# `, `$ `, or
// the `> ` of a line still to be continued (a here-document).

const TAIL_CHARS = 128;
/** CSI and OSC escape sequences, which a prompt may carry around its text. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const PROMPT_END = /[#$>] $/;

export class PromptWatcher {
  private tail = "";

  /** Feeds terminal output; true when the output now ends with a prompt. */
  push(data: Uint8Array): boolean {
    // Latin-1 decoding: one char per byte, enough to see ASCII and never throws. Only the end
    // of a chunk can matter (a chunk may be 64 KiB of a flood).
    let text = "";
    for (const b of data.subarray(Math.max(0, data.length - TAIL_CHARS))) text += String.fromCharCode(b);
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
    return PROMPT_END.test(this.tail.replace(ESCAPES, ""));
  }

  reset(): void {
    this.tail = "";
  }
}
