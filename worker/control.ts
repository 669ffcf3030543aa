// The lab's side of the control channel: one request at a time, each answered by the agent in
// lines that carry the request's nonce. A request the agent does not finish in time is
// cancelled; a guest that does not answer at all fails the call, and the next call still works.
import { AnswerReader, encodeRequest, newNonce, type AgentAnswer, type AgentRequest } from "./protocol";
import type { ExecOptions, ExecResult } from "./api";

export class ControlTimeoutError extends Error {
  readonly code = "control-timeout";
}

/** A request given up because the machine under it was restored, reset or stopped. */
export class AbandonedError extends Error {
  readonly code = "abandoned";
  constructor() {
    super("the machine was restored, reset or stopped before the guest answered");
  }
}

type Pending = {
  nonce: string;
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  resolve: (end: { exitCode: number; status: string; stdout: Uint8Array; stderr: Uint8Array }) => void;
  reject: (error: Error) => void;
};

/** How long past its own timeout the agent may take to answer before we give up on it. */
const ANSWER_GRACE_MS = 3000;
export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;

const decoder = new TextDecoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export class ControlChannel {
  private readonly reader = new AnswerReader((a) => this.onAnswer(a));
  private current: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readyWaiters: Array<() => void> = [];
  /** Bumped when the machine is replaced: requests made before then are abandoned. */
  private generation = 0;

  /** `send` writes bytes to the agent's serial port. */
  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  /** Feed every byte the agent's serial port outputs. */
  receive(bytes: Uint8Array | number[]): void {
    this.reader.push(bytes);
  }

  /** Resolves the next time the agent announces itself (after a boot). */
  nextReady(): Promise<void> {
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * The machine under the channel is being replaced (restored, reset, stopped): the request in
   * flight and those queued reject with AbandonedError at once; later ones run as usual.
   */
  abandon(): void {
    this.generation++;
    this.current?.reject(new AbandonedError());
    this.current = null;
  }

  /** Runs `fn` once no request is in flight; requests made meanwhile wait until it is done. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const end = await this.request((nonce) => ({ kind: "exec", nonce, timeoutMs, command, stdin: options.stdin }), timeoutMs);
    if (end.status.startsWith("error:")) throw new Error(`the guest could not run the command (${end.status.slice(6)})`);
    return {
      exitCode: end.exitCode,
      status: end.status === "timeout" || end.status === "cancelled" ? end.status : "ok",
      stdout: decoder.decode(end.stdout),
      stderr: decoder.decode(end.stderr),
      stdoutBytes: end.stdout,
    };
  }

  async ping(timeoutMs = 1000): Promise<void> {
    await this.request((nonce) => ({ kind: "ping", nonce }), timeoutMs - ANSWER_GRACE_MS);
  }

  async setWindow(tty: string, rows: number, cols: number): Promise<void> {
    const end = await this.request((nonce) => ({ kind: "window", nonce, tty, rows, cols }), 2000);
    if (end.status !== "ok") throw new Error(`could not resize ${tty}: ${end.status}`);
  }

  async setTime(unixMs: number): Promise<void> {
    const end = await this.request((nonce) => ({ kind: "time", nonce, unixMs }), 2000);
    if (end.status !== "ok") throw new Error(`could not set the guest clock: ${end.status}`);
  }

  private request(make: (nonce: string) => AgentRequest, agentTimeoutMs: number) {
    const generation = this.generation;
    return this.exclusive(() => (generation === this.generation ? this.runOne(make(newNonce()), agentTimeoutMs) : Promise.reject(new AbandonedError())));
  }

  private runOne(request: AgentRequest, agentTimeoutMs: number) {
    return new Promise<{ exitCode: number; status: string; stdout: Uint8Array; stderr: Uint8Array }>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          if (this.current?.nonce !== request.nonce) return;
          this.current = null;
          // Ask the agent to let go of it, in case it is alive but slow; its late answer is ignored.
          this.send(encodeRequest({ kind: "cancel", nonce: request.nonce }));
          reject(new ControlTimeoutError("the guest did not answer on the control channel"));
        },
        Math.max(agentTimeoutMs, 0) + ANSWER_GRACE_MS,
      );
      this.current = {
        nonce: request.nonce,
        stdout: [],
        stderr: [],
        resolve: (end) => {
          clearTimeout(timer);
          resolve(end);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.send(encodeRequest(request));
    });
  }

  private onAnswer(answer: AgentAnswer): void {
    if (answer.kind === "ready") {
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w();
      return;
    }
    const current = this.current;
    if (!current || answer.nonce !== current.nonce) return; // stale or foreign: ignore
    if (answer.kind === "stdout") current.stdout.push(answer.data);
    else if (answer.kind === "stderr") current.stderr.push(answer.data);
    else {
      this.current = null;
      current.resolve({ exitCode: answer.exitCode, status: answer.status, stdout: concat(current.stdout), stderr: concat(current.stderr) });
    }
  }
}
