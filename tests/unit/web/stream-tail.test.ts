import { describe, expect, it } from "vitest";
import { StreamTail } from "../../../web/terminal/stream-tail";

const bytes = (s: string) => new TextEncoder().encode(s);
/** Where the stream stands after these chunks. */
function after(...chunks: Array<string | Uint8Array>): boolean {
  const tail = new StreamTail();
  for (const chunk of chunks) tail.push(typeof chunk === "string" ? bytes(chunk) : chunk);
  return tail.atBoundary;
}

describe("the stream's tail", () => {
  it("is at a boundary after plain text and after whole sequences", () => {
    expect(after("hello\r\n")).toBe(true);
    expect(after("\x1b[31mred\x1b[0m")).toBe(true);
    expect(after("\x1b[31m")).toBe(true);
    expect(after("\x1b[?25l")).toBe(true);
    expect(after("\x1b]0;title\x07")).toBe(true);
    expect(after("\x1b]8;;http://x\x1b\\link")).toBe(true);
    expect(after("\x1bPq#0;2;0;0;0\x1b\\")).toBe(true);
    expect(after("\x1b(B")).toBe(true);
    expect(after("\x1b7")).toBe(true);
    expect(after("é€😀")).toBe(true);
  });

  it("is not inside a sequence, wherever it was cut", () => {
    for (const sequence of ["\x1b[38;5;196m", "\x1b[?2026h", "\x1b]0;a title\x07", "\x1bP1$r0m\x1b\\", "\x1b(B"]) {
      for (let cut = 1; cut < sequence.length; cut++) {
        expect(after("text" + sequence.slice(0, cut)), JSON.stringify(sequence.slice(0, cut))).toBe(false);
        expect(after("text" + sequence.slice(0, cut), sequence.slice(cut) + "more"), JSON.stringify(sequence)).toBe(true);
      }
    }
  });

  it("follows a sequence over chunks that hold no ESC", () => {
    expect(after("\x1b[", "38;5", ";196")).toBe(false);
    expect(after("\x1b[", "38;5", ";196", "m")).toBe(true);
    expect(after("\x1b]0;a long", " title without its end")).toBe(false);
    expect(after("\x1b]0;a long", " title", "\x07 and text")).toBe(true);
    expect(after("\x1bPdata", " more data")).toBe(false);
  });

  it("takes CAN and SUB as ending a sequence, and C0 controls inside one as not", () => {
    expect(after("\x1b[31\x18")).toBe(true);
    expect(after("\x1b[31\x1a")).toBe(true);
    expect(after("\x1b[31\n")).toBe(false);
  });

  it("is not inside a UTF-8 character, even one split over chunks", () => {
    const euro = bytes("€"); // e2 82 ac
    const face = bytes("😀"); // f0 9f 98 80
    expect(after(euro.subarray(0, 1))).toBe(false);
    expect(after(euro.subarray(0, 2))).toBe(false);
    expect(after(euro.subarray(0, 1), euro.subarray(1, 2))).toBe(false);
    expect(after(euro.subarray(0, 1), euro.subarray(1, 2), euro.subarray(2))).toBe(true);
    expect(after(face.subarray(0, 3))).toBe(false);
    expect(after(face.subarray(0, 2), face.subarray(2))).toBe(true);
    expect(after(bytes("ab"), face.subarray(0, 1))).toBe(false);
  });

  it("starts again at a boundary when reset", () => {
    const tail = new StreamTail();
    tail.push(bytes("\x1b[3"));
    expect(tail.atBoundary).toBe(false);
    tail.reset();
    expect(tail.atBoundary).toBe(true);
  });
});

describe("the bytes to the stream's next boundary", () => {
  it("counts to the end of the sequence it is inside, or of the character", () => {
    const tail = new StreamTail();
    expect(tail.bytesToBoundary(bytes("abc"))).toBe(0);
    tail.push(bytes("x\x1b[38;5"));
    expect(tail.bytesToBoundary(bytes(";196mX\x1b[0m"))).toBe(5);
    expect(tail.atBoundary).toBe(false); // (it only counts)
    const euro = bytes("€");
    tail.reset();
    tail.push(euro.subarray(0, 1));
    expect(tail.bytesToBoundary(euro.subarray(1))).toBe(2);
  });

  it("says -1 when no boundary comes within the bytes it may look at", () => {
    const tail = new StreamTail();
    tail.push(bytes("\x1b]0;"));
    expect(tail.bytesToBoundary(bytes("a".repeat(300)))).toBe(-1);
    expect(tail.bytesToBoundary(bytes("a".repeat(10) + "\x07"), 8)).toBe(-1);
    expect(tail.bytesToBoundary(bytes("a".repeat(10) + "\x07"))).toBe(11);
  });
});
