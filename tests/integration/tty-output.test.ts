// The learner's tty post-processes output as Linux's n_tty always has, on the patched kernel
// (images/kernel/patches/0006: a block of output and its "\r\n"s go to the driver in one write).
// Each case runs on the real VM and its raw bytes are compared with what a model of n_tty's
// output rules (do_output_char, process_output_block) makes of the same input, under the same
// stty flags: ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, TAB3 (column counting with and without IUTF8),
// -OPOST, and lines whose "\r\n" falls on the edges of the patch's 512-byte buffer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "./harness";

interface Flags {
  opost?: boolean;
  onlcr?: boolean;
  ocrnl?: boolean;
  onocr?: boolean;
  onlret?: boolean;
  olcuc?: boolean;
  tab3?: boolean;
  iutf8?: boolean;
}

const isCntrl = (c: number) => c < 32 || c === 127 || (c >= 128 && c < 160); // (the kernel's ctype: Latin-1)

/** What n_tty sends the driver for `input` under `flags` (from a column of 0). */
function ttyOutput(input: Uint8Array, flags: Flags): Uint8Array {
  const f = { opost: true, onlcr: true, iutf8: true, ...flags };
  if (!f.opost) return input;
  const out: number[] = [];
  let column = 0;
  for (const c of input) {
    if (c === 0x0a) {
      if (f.onlret) column = 0;
      if (f.onlcr) {
        out.push(0x0d, 0x0a);
        column = 0;
      } else out.push(c);
    } else if (c === 0x0d) {
      if (f.onocr && column === 0) continue;
      if (f.ocrnl) {
        if (f.onlret) column = 0;
        out.push(0x0a);
        continue;
      }
      column = 0;
      out.push(c);
    } else if (c === 0x09) {
      const spaces = 8 - (column & 7);
      column += spaces;
      if (f.tab3) for (let i = 0; i < spaces; i++) out.push(0x20);
      else out.push(c);
    } else if (c === 0x08) {
      if (column > 0) column--;
      out.push(c);
    } else {
      let d = c;
      if (!isCntrl(c)) {
        if (f.olcuc && c >= 0x61 && c <= 0x7a) d = c - 0x20;
        if (!(f.iutf8 && (c & 0xc0) === 0x80)) column++;
      }
      out.push(d);
    }
  }
  return Uint8Array.from(out);
}

const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const repeat = (line: string, times: number) => Array.from({ length: times }, () => line).join("");
const sttyOf = (flags: Flags) =>
  Object.entries(flags)
    .map(([name, on]) => (name === "tab3" ? (on ? "tab3" : "tab0") : `${on ? "" : "-"}${name}`))
    .join(" ");

/** Cases: the flags, the input, and a shell command that prints exactly that input. */
const cases: Array<{ name: string; flags: Flags; input: string; command: string }> = [
  {
    name: "ONLCR (the default), control characters, UTF-8",
    flags: {},
    input: "a\tb\r\nc\bd\x7f\xc3\xa9\x01z\n",
    command: String.raw`printf 'a\tb\r\nc\bd\x7f\xc3\xa9\x01z\n'`,
  },
  { name: "-ONLCR", flags: { onlcr: false }, input: "x\ny\n\n", command: String.raw`printf 'x\ny\n\n'` },
  { name: "OLCUC", flags: { olcuc: true }, input: "abc XyZ 09\n", command: String.raw`printf 'abc XyZ 09\n'` },
  { name: "OCRNL", flags: { ocrnl: true }, input: "a\rb\n", command: String.raw`printf 'a\rb\n'` },
  { name: "ONOCR", flags: { onocr: true }, input: "\ra\rb\n\r", command: String.raw`printf '\ra\rb\n\r'` },
  { name: "ONLRET", flags: { onlret: true, tab3: true }, input: "ab\n\tc\n", command: String.raw`printf 'ab\n\tc\n'` },
  {
    name: "TAB3",
    flags: { tab3: true },
    input: "abc\tx\n0123456789\ty\nabcdef\bx\tz\rq\ty\n",
    command: String.raw`printf 'abc\tx\n0123456789\ty\nabcdef\bx\tz\rq\ty\n'`,
  },
  {
    name: "TAB3 after a 1001-character run",
    flags: { tab3: true },
    input: "a".repeat(1001) + "\tb\n",
    command: String.raw`head -c 1001 /dev/zero | tr '\0' a; printf '\tb\n'`,
  },
  {
    name: "TAB3 with IUTF8 (a continuation byte takes no column)",
    flags: { tab3: true, iutf8: true },
    input: "\xc3\xa9\tb\xc3\tc\n",
    command: String.raw`printf '\xc3\xa9\tb\xc3\tc\n'`,
  },
  { name: "TAB3 without IUTF8", flags: { tab3: true, iutf8: false }, input: "\xc3\xa9\tb\n", command: String.raw`printf '\xc3\xa9\tb\n'` },
  { name: "-OPOST", flags: { opost: false }, input: "a\nb\tc\r\n", command: String.raw`printf 'a\nb\tc\r\n'` },
  ...[509, 510, 511, 1022].map((width) => ({
    name: `lines of ${width} characters (their "\\r\\n" on the 512-byte buffer's edges)`,
    flags: {},
    input: repeat("a".repeat(width) + "\n", 9),
    command: `s=$(head -c ${width} /dev/zero | tr '\\0' a); yes "$s" | head -n 9`,
  })),
  { name: "a flood of 17-byte lines", flags: {}, input: repeat("0123456789abcdef\n", 20000), command: "yes 0123456789abcdef | head -n 20000" },
];

describe("the learner's tty, on the patched kernel", () => {
  let lab: Lab;
  let n = 0;
  beforeAll(async () => {
    lab = await startLab("state");
  });
  afterAll(() => lab.close());

  /** The raw bytes `command` makes in the main shell under `flags` (set before, put back after, on the same line). */
  async function raw(command: string, flags: Flags): Promise<Uint8Array> {
    const log = lab.terminals.main;
    const mark = `@@tty-${++n}`;
    const set = sttyOf(flags);
    const reset = "stty sane iutf8 tab0";
    const from = log.text.length;
    await lab.vm.api.write("main", `${set ? `stty ${set}; ` : ""}${command}; ${reset}; echo '@@tty'-${n}\n`);
    const text = await log.waitFor(new RegExp(`${mark}\r\n`), 60_000, from);
    // from where bash hands the line over (bracketed paste off) to the marker's output
    const start = text.indexOf("\x1b[?2004l\r") + "\x1b[?2004l\r".length;
    return latin1(text.slice(start, text.lastIndexOf(mark)));
  }

  for (const c of cases) {
    it(`sends what n_tty makes of it: ${c.name}`, async () => {
      const got = await raw(c.command, c.flags);
      const want = ttyOutput(latin1(c.input), c.flags);
      if (Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0) {
        const at = got.findIndex((b, i) => b !== want[i]);
        expect({ length: got.length, at, got: JSON.stringify(String.fromCharCode(...got.subarray(Math.max(0, at - 20), at + 20))) }).toEqual({
          length: want.length,
          at: -1,
          got: "",
        });
      }
      expect(got.length).toBe(want.length);
    });
  }
});
