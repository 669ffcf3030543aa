// The control channel's wire format (see images/agent/agent.c for the guest side).
// Requests are single lines; answers are lines tagged with the request's nonce, so an answer
// to an abandoned request can never be taken for another's.

export type AgentRequest =
  | { kind: "exec"; nonce: string; timeoutMs: number; command: string; stdin?: Uint8Array }
  | { kind: "cancel"; nonce: string }
  | { kind: "window"; nonce: string; tty: string; rows: number; cols: number }
  | { kind: "time"; nonce: string; unixMs: number }
  | { kind: "ping"; nonce: string };

export type AgentAnswer =
  | { kind: "ready"; version: number }
  | { kind: "stdout"; nonce: string; data: Uint8Array }
  | { kind: "stderr"; nonce: string; data: Uint8Array }
  | { kind: "end"; nonce: string; exitCode: number; status: string };

const encoder = new TextEncoder();

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** An unguessable nonce: 128 random bits as hex. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function encodeRequest(request: AgentRequest): Uint8Array {
  let line: string;
  switch (request.kind) {
    case "exec": {
      const command = encoder.encode(request.command);
      if (command.length === 0) throw new Error("empty command");
      if (command.includes(0)) throw new Error("a command cannot contain a NUL byte");
      line = `x ${request.nonce} ${Math.max(1, Math.round(request.timeoutMs))} ${toBase64(command)}`;
      if (request.stdin && request.stdin.length > 0) line += ` ${toBase64(request.stdin)}`;
      break;
    }
    case "cancel":
      line = `c ${request.nonce}`;
      break;
    case "window":
      line = `w ${request.nonce} ${request.tty} ${request.rows} ${request.cols}`;
      break;
    case "time":
      line = `t ${request.nonce} ${Math.round(request.unixMs)}`;
      break;
    case "ping":
      line = `p ${request.nonce}`;
      break;
  }
  return encoder.encode(line + "\n");
}

const READY = /^@@contained-agent ready (\d+)$/;
const NONCE = /^[0-9a-zA-Z]{8,64}$|^\?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses one answer line (without its newline). Anything else (noise, partial lines) is null. */
export function parseAnswer(line: string): AgentAnswer | null {
  const ready = READY.exec(line);
  if (ready) return { kind: "ready", version: Number(ready[1]) };
  const parts = line.split(" ");
  if (parts.length < 3 || !NONCE.test(parts[0])) return null;
  const [nonce, tag] = parts;
  if ((tag === "o" || tag === "e") && parts.length === 3 && BASE64.test(parts[2]) && parts[2].length % 4 === 0) {
    return { kind: tag === "o" ? "stdout" : "stderr", nonce, data: fromBase64(parts[2]) };
  }
  if (tag === "x" && parts.length === 4 && /^-?\d+$/.test(parts[2])) {
    return { kind: "end", nonce, exitCode: Number(parts[2]), status: parts[3] };
  }
  return null;
}

/** The longest line kept: an answer's line is at most 64 KiB of base64; longer is runaway garbage. */
const MAX_LINE = 1 << 20;

/** Bytes as a string, one character per byte (the agent writes ASCII only). */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

/** Splits a byte stream into answer lines; bytes may arrive in any pieces. */
export class AnswerReader {
  private pending = "";

  constructor(private readonly onAnswer: (answer: AgentAnswer) => void) {}

  push(input: Uint8Array | number[]): void {
    const bytes = input instanceof Uint8Array ? input : Uint8Array.from(input);
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(10, start);
      const end = newline < 0 ? bytes.length : newline;
      if (this.pending.length + (end - start) <= MAX_LINE) this.pending += latin1(bytes.subarray(start, end));
      else this.pending = this.pending.slice(0, MAX_LINE); // drop runaway garbage
      if (newline < 0) return;
      const answer = parseAnswer(this.pending.replace(/\r$/, ""));
      this.pending = "";
      start = newline + 1;
      if (answer) this.onAnswer(answer);
    }
  }
}
