// A failure reaches the page as one typed value on the rejection itself: an Error with a `code`
// (VmErrorCode) and a message. comlink copies only an Error's name, message and stack across,
// so the worker's side registers keepErrorCodes(); comlink's receiving side already copies every
// field it gets onto the Error it throws. vmErrorInfo() reads any rejection on the page's side.
import { transferHandlers, type TransferHandler } from "comlink";
import type { VmErrorCode, VmErrorInfo } from "./api";

const CODES: ReadonlySet<string> = new Set<VmErrorCode>([
  "download-failed",
  "bad-image",
  "bad-state",
  "bad-snapshot",
  "snapshot-mismatch",
  "no-such-snapshot",
  "quota-exceeded",
  "storage-unavailable",
  "abandoned",
  "out-of-memory",
  "control-timeout",
  "not-running",
  "internal",
]);

export class VmError extends Error {
  override readonly name = "VmError";
  constructor(
    readonly code: VmErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The code an error carries (our errors have one), else "internal". */
export function errorCode(e: unknown): VmErrorCode {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && CODES.has(code) ? (code as VmErrorCode) : "internal";
}

/** Any failure as a VmError (kept as it is when it is one). */
export function toVmError(e: unknown): VmError {
  if (e instanceof VmError) return e;
  return new VmError(errorCode(e), e instanceof Error ? e.message : String(e));
}

/** What a rejected call says, for the page: its code and message. */
export function vmErrorInfo(e: unknown): VmErrorInfo {
  return { code: errorCode(e), message: e instanceof Error ? e.message : String(e) };
}

type Thrown = { value: unknown };
type SerializedThrown = { isError: boolean; value: unknown };

/** Makes comlink carry an error's `code` across (call once, on the side that throws). */
export function keepErrorCodes(): void {
  const standard = transferHandlers.get("throw") as TransferHandler<Thrown, SerializedThrown> | undefined;
  if (!standard || (standard as { keepsCodes?: boolean }).keepsCodes) return;
  const handler: TransferHandler<Thrown, SerializedThrown> & { keepsCodes: true } = {
    keepsCodes: true,
    canHandle: (value): value is Thrown => standard.canHandle(value),
    serialize(thrown) {
      const [serialized, transfers] = standard.serialize(thrown);
      if (serialized.isError && thrown.value instanceof Error) {
        serialized.value = { ...(serialized.value as object), code: errorCode(thrown.value) };
      }
      return [serialized, transfers];
    },
    deserialize: (serialized) => standard.deserialize(serialized),
  };
  transferHandlers.set("throw", handler);
}
