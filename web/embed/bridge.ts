// The lab's side of the message API (protocol.ts): takes requests only from the page that embeds
// it (window.parent) and only from a trusted origin, checks each, does it, and answers; sends
// the lab's events to the page, addressed to the trusted origins only (a page of another origin
// never receives them). What it does is the EmbedControl's business (main.ts wires it to the lab).
import type { TerminalId } from "../../worker/api";
import { PROTOCOL_VERSION, parseHostRequest, type EmbedErrorCode, type EmbedEvent, type EmbedMessage, type HostRequest } from "./protocol";

export class EmbedFailure extends Error {
  constructor(
    readonly code: EmbedErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a page can have the lab do. Each may throw an EmbedFailure. */
export interface EmbedControl {
  run(command: string, terminal?: TerminalId): void | Promise<void>;
  open(lesson: string, step?: number | string): void | Promise<void>;
  start(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  loadPack(pack: unknown): Promise<void>;
}

/** Whoever a message can be posted to (a window). */
export interface MessageTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** The part of the window the bridge uses (a test gives its own). */
export interface BridgeWindow {
  /** The page that embeds this one; the window itself when not in a frame. */
  readonly parent: MessageTarget;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

export class EmbedBridge {
  private readonly listener = (event: MessageEvent) => void this.receive(event);

  constructor(
    private readonly win: BridgeWindow,
    private readonly trustedOrigins: readonly string[],
    private readonly control: EmbedControl,
    private readonly name: string | null = null,
  ) {}

  /** Listens for requests; returns the disposer. */
  listen(): () => void {
    this.win.addEventListener("message", this.listener);
    return () => this.win.removeEventListener("message", this.listener);
  }

  private get embedded(): boolean {
    return (this.win.parent as unknown) !== this.win;
  }

  private envelope(event: EmbedEvent): EmbedMessage {
    return { contained: PROTOCOL_VERSION, ...(this.name ? { lab: this.name } : {}), ...event } as EmbedMessage;
  }

  /** An event for the page: posted once per trusted origin, so only a trusted page can receive it. */
  send(event: EmbedEvent): void {
    if (!this.embedded) return;
    const message = this.envelope(event);
    for (const origin of this.trustedOrigins) {
      try {
        this.win.parent.postMessage(message, origin);
      } catch {
        // (an origin that cannot be a target: nothing to deliver there)
      }
    }
  }

  private reply(to: MessageTarget, origin: string, event: EmbedEvent): void {
    try {
      // A sandboxed sender's origin is "null": it can only be reached with "*" (an error says nothing private).
      to.postMessage(this.envelope(event), origin === "null" ? "*" : origin);
    } catch {
      // the sender is gone
    }
  }

  private async receive(event: MessageEvent): Promise<void> {
    const source = event.source as MessageTarget | null;
    // (the page's own messages, and ones without a sender to answer, are not requests)
    if (!source || (source as unknown) === this.win) return;
    const id = typeof (event.data as { id?: unknown } | null)?.id === "string" ? ((event.data as { id: string }).id as string) : undefined;
    const refuse = (code: EmbedErrorCode, message: string, requestId = id) =>
      this.reply(source, event.origin, { type: "error", code, message, ...(requestId === undefined ? {} : { id: requestId }) });
    if (source !== this.win.parent || !this.trustedOrigins.includes(event.origin)) {
      refuse(
        "untrusted-origin",
        `this lab takes requests only from the page that embeds it, on a trusted origin (${this.trustedOrigins.join(", ")}); not from ${event.origin}`,
      );
      return;
    }
    const parsed = parseHostRequest(event.data);
    if (!parsed.ok) {
      refuse(parsed.code, parsed.message, parsed.id);
      return;
    }
    const request = parsed.request;
    try {
      await this.perform(request);
      this.reply(source, event.origin, { type: "done", request: request.type, ...(request.id === undefined ? {} : { id: request.id }) });
    } catch (e) {
      refuse(e instanceof EmbedFailure ? e.code : "failed", e instanceof Error ? e.message : String(e), request.id);
    }
  }

  private perform(request: HostRequest): void | Promise<void> {
    switch (request.type) {
      case "run":
        return this.control.run(request.command, request.terminal);
      case "open":
        return this.control.open(request.lesson, request.step);
      case "load-pack":
        return this.control.loadPack(request.pack);
      case "start":
        return this.control.start();
      case "pause":
        return this.control.pause();
      case "resume":
        return this.control.resume();
      case "stop":
        return this.control.stop();
    }
  }
}
