// Where a terminal's byte stream stands after what it has been given so far: in plain text, or
// inside an escape sequence or a UTF-8 character. A writer that puts a sequence of its own into
// the stream (the frame writer's synchronized output) may do so only between two complete ones:
// an ESC put inside the guest's `ESC [ 3 1 m` would cut it, and its `1m` would print as text.
// It follows a VT500-style parser (as xterm.js has), from the last ESC of each chunk on: an ESC
// begins a new sequence whatever came before, so what came before it does not matter.

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;

/** Where the parser is (the states of a VT500 parser that matter here). */
const State = {
  Ground: 0,
  Escape: 1,
  EscapeIntermediate: 2,
  Csi: 3,
  /** OSC: ends with BEL or ST (ESC \). */
  OscString: 4,
  /** DCS, SOS, PM, APC: end with ST. */
  String: 5,
} as const;
type State = (typeof State)[keyof typeof State];

export class StreamTail {
  private state: State = State.Ground;
  /** The stream's last bytes (up to 4: a UTF-8 character may be split between two chunks). */
  private last: number[] = [];

  /** Follows `data`, the next bytes of the stream. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const esc = data.lastIndexOf(ESC);
    let i: number;
    if (esc >= 0) {
      this.state = State.Escape;
      i = esc + 1;
    } else i = 0;
    // (once back in plain text after the last ESC, nothing later can leave it)
    for (; i < data.length && this.state !== State.Ground; i++) this.state = next(this.state, data[i]);
    this.last = [...this.last, ...data.subarray(Math.max(0, data.length - 4))].slice(-4);
  }

  /** Whether a sequence put in now stands alone (nothing of the stream's is cut by it). */
  get atBoundary(): boolean {
    return this.state === State.Ground && !endsInPartialCharacter(this.last);
  }

  /**
   * How many of `data`'s first bytes (the stream's next) would bring it to a boundary: 0 if it is at
   * one now, -1 if not within `max` bytes.
   */
  bytesToBoundary(data: Uint8Array, max = 256): number {
    if (this.atBoundary) return 0;
    const probe = new StreamTail();
    probe.state = this.state;
    probe.last = this.last;
    for (let i = 0; i < Math.min(max, data.length); i++) {
      probe.push(data.subarray(i, i + 1));
      if (probe.atBoundary) return i + 1;
    }
    return -1;
  }

  /** The stream begins again (the terminal was reset). */
  reset(): void {
    this.state = State.Ground;
    this.last = [];
  }
}

function next(state: State, byte: number): State {
  if (byte === ESC) return State.Escape;
  if (byte === CAN || byte === SUB) return State.Ground; // (they cancel a sequence)
  switch (state) {
    case State.Escape:
      if (byte === 0x5b) return State.Csi; // [
      if (byte === 0x5d) return State.OscString; // ]
      if (byte === 0x50 || byte === 0x58 || byte === 0x5e || byte === 0x5f) return State.String; // P X ^ _
      if (byte >= 0x20 && byte <= 0x2f) return State.EscapeIntermediate;
      if (byte >= 0x30 && byte <= 0x7e) return State.Ground;
      return state; // (C0 controls run inside a sequence and leave it as it was)
    case State.EscapeIntermediate:
      return byte >= 0x30 && byte <= 0x7e ? State.Ground : state;
    case State.Csi:
      return byte >= 0x40 && byte <= 0x7e ? State.Ground : state;
    case State.OscString:
      return byte === BEL ? State.Ground : state;
    default:
      return state;
  }
}

/** Whether the stream ends inside a UTF-8 character: `last` holds its last (up to 4) bytes, oldest first. */
function endsInPartialCharacter(last: readonly number[]): boolean {
  let continuation = 0;
  for (let i = last.length - 1; i >= 0; i--) {
    const byte = last[i];
    if ((byte & 0xc0) === 0x80) {
      continuation++;
      continue;
    }
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > continuation + 1;
  }
  return false; // (continuation bytes alone: what began them is too far back; the decoder has given up on it)
}
