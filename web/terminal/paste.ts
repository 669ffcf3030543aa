// Pastes go to the guest as keystrokes, so a huge one would take minutes to type. Above the
// limit the learner is told to upload the text as a file instead.
import { formatBytes } from "../files/transfer";

export const PASTE_LIMIT = 256 * 1024;

/** Null when `text` may be pasted, else the message to show. */
export function pasteRefusal(text: string): string | null {
  const size = new TextEncoder().encode(text).length;
  if (size <= PASTE_LIMIT) return null;
  return `That paste (${formatBytes(size)}) is more than the terminal takes (${formatBytes(PASTE_LIMIT)}), so none of it was typed. Save it as a file and drop the file onto the terminal to upload it.`;
}
