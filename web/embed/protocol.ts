// The messages between a page and the lab it embeds (embed.html in an iframe), version 1. Every
// message is an object with `contained: 1` and a `type`. The page sends requests; the lab
// answers each with "done" or "error" (echoing the request's `id`, if it had one) and sends
// events. Anything else, or anything from an origin the lab was not told to trust, gets an
// "error" and changes nothing. No DOM here: the element (element.ts) and the tests use it too.
import type { TerminalId, VmStatus } from "../../worker/api";

export const PROTOCOL_VERSION = 1;

/** The longest command a page may have typed (a few screens of shell). */
export const MAX_COMMAND_LENGTH = 16 * 1024;
/** The largest lesson pack, as JSON text. */
export const MAX_PACK_BYTES = 2 * 1024 * 1024;

interface Envelope {
  contained: typeof PROTOCOL_VERSION;
  /** The page's name for the request, given back in its answer. */
  id?: string;
}

/** What a page asks of its lab. */
export type HostRequest = Envelope &
  (
    | { type: "run"; command: string; terminal?: TerminalId }
    | { type: "open"; lesson: string; step?: number | string }
    | { type: "start" | "pause" | "resume" | "stop" }
    | { type: "load-pack"; pack: unknown }
  );

export type HostRequestType = HostRequest["type"];

export type EmbedErrorCode =
  /** from an origin the lab does not trust */
  | "untrusted-origin"
  /** not a Contained message, or a field missing or of the wrong kind */
  | "malformed"
  | "unsupported-version"
  | "unknown-type"
  /** the machine is not running (yet, or any more) */
  | "not-running"
  | "no-such-lesson"
  | "bad-pack"
  | "failed";

/** What the lab tells its page. */
export type EmbedMessage = Envelope & {
  /** The page's name for the lab (embed.html?name=...), when it gave one. */
  lab?: string;
} & (
    | { type: "loaded"; build: string }
    | { type: "ready"; lesson?: { id: string; step: number } }
    | { type: "status"; status: VmStatus }
    /** The learner's shell came back to its prompt after a command; the status when the shell marks it (OSC 133). */
    | { type: "command-finished"; terminal: TerminalId; exitStatus?: number }
    | { type: "step-passed"; lesson: string; step: string; index: number }
    | { type: "done"; request: HostRequestType }
    | { type: "error"; code: EmbedErrorCode; message: string }
  );

/** A message of the lab's, without its envelope (the bridge adds it). */
export type EmbedEvent = EmbedMessage extends infer M ? (M extends EmbedMessage ? Omit<M, "contained" | "lab"> : never) : never;

export type EmbedMessageType = EmbedMessage["type"];

export type Parsed = { ok: true; request: HostRequest } | { ok: false; id?: string; code: EmbedErrorCode; message: string };

const FIELDS: Record<HostRequestType, readonly string[]> = {
  run: ["command", "terminal"],
  open: ["lesson", "step"],
  start: [],
  pause: [],
  resume: [],
  stop: [],
  "load-pack": ["pack"],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const malformed = (message: string, id?: string): Parsed => ({ ok: false, id, code: "malformed", message });

/** Checks a message a page sent: its envelope, its type and each of its fields. */
export function parseHostRequest(data: unknown): Parsed {
  if (!isRecord(data) || !("contained" in data)) return malformed("not a Contained message: expected an object with contained: 1 and a type");
  const id = typeof data.id === "string" && data.id.length <= 200 ? data.id : undefined;
  if (data.id !== undefined && id === undefined) return malformed("id must be a string of at most 200 characters");
  if (data.contained !== PROTOCOL_VERSION)
    return {
      ok: false,
      id,
      code: "unsupported-version",
      message: `this lab speaks version ${PROTOCOL_VERSION} of the protocol, not ${JSON.stringify(data.contained)}`,
    };
  const type = data.type;
  if (typeof type !== "string" || !Object.hasOwn(FIELDS, type))
    return { ok: false, id, code: "unknown-type", message: `unknown request type ${JSON.stringify(type)} (known: ${Object.keys(FIELDS).join(", ")})` };
  const allowed = new Set(["contained", "type", "id", ...FIELDS[type as HostRequestType]]);
  const extra = Object.keys(data).filter((key) => !allowed.has(key));
  if (extra.length) return malformed(`unknown field${extra.length > 1 ? "s" : ""} in "${type}": ${extra.join(", ")}`, id);
  const request = { contained: PROTOCOL_VERSION, type, ...(id === undefined ? {} : { id }) } as HostRequest;
  switch (type) {
    case "run": {
      const { command, terminal } = data;
      if (typeof command !== "string" || command.trim() === "") return malformed("run needs a command: a non-empty string", id);
      if (command.length > MAX_COMMAND_LENGTH) return malformed(`the command is longer than ${MAX_COMMAND_LENGTH} characters`, id);
      if (/[\0-\x08\x0b-\x1f\x7f]/.test(command.replace(/\r\n/g, "\n")))
        return malformed("the command has control characters (only lines of text are typed)", id);
      if (terminal !== undefined && terminal !== "main" && terminal !== "second") return malformed('terminal must be "main" or "second"', id);
      return { ok: true, request: { ...request, type, command, ...(terminal ? { terminal } : {}) } };
    }
    case "open": {
      const { lesson, step } = data;
      if (typeof lesson !== "string" || lesson === "") return malformed('open needs a lesson: its name, e.g. "namespaces"', id);
      if (step !== undefined && !(typeof step === "string" && step !== "") && !(Number.isInteger(step) && (step as number) >= 1))
        return malformed("step must be a step's number from 1, or its folder name", id);
      return { ok: true, request: { ...request, type, lesson, ...(step === undefined ? {} : { step: step as number | string }) } };
    }
    case "load-pack":
      if (!isRecord(data.pack)) return malformed("load-pack needs a pack: a lesson pack object (see scripts/pack-lessons.ts)", id);
      return { ok: true, request: { ...request, type, pack: data.pack } };
    default:
      return { ok: true, request: { ...request, type: type as "start" | "pause" | "resume" | "stop" } };
  }
}

/** Whether `value` is a message from a lab (for a page's side: the element). */
export function isEmbedMessage(value: unknown): value is EmbedMessage {
  return isRecord(value) && value.contained === PROTOCOL_VERSION && typeof value.type === "string";
}

/**
 * The origins a lab trusts, from a comma- or space-separated list: each must be an http(s)
 * origin exactly ("https://docs.example", no path). Returns them and what was refused.
 */
export function parseOrigins(list: string): { origins: string[]; refused: string[] } {
  const origins: string[] = [];
  const refused: string[] = [];
  for (const item of list.split(/[\s,]+/).filter(Boolean)) {
    let origin: string | null = null;
    try {
      const url = new URL(item);
      if ((url.protocol === "https:" || url.protocol === "http:") && url.origin === item.replace(/\/$/, "")) origin = url.origin;
    } catch {
      // not a URL
    }
    if (origin) {
      if (!origins.includes(origin)) origins.push(origin);
    } else refused.push(item);
  }
  return { origins, refused };
}
