import { afterEach, describe, expect, it } from "vitest";
import { expose, transferHandlers, wrap, type Remote } from "comlink";
import { VmError, keepErrorCodes, vmErrorInfo } from "../../worker/errors";

interface Thrower {
  fail(): Promise<void>;
  failPlain(): Promise<void>;
}

function connect(): { remote: Remote<Thrower>; close(): void } {
  const { port1, port2 } = new MessageChannel();
  expose(
    {
      async fail() {
        throw new VmError("quota-exceeded", "the browser's storage for this site is full");
      },
      async failPlain() {
        throw new TypeError("something else");
      },
    } satisfies Thrower,
    port1,
  );
  return { remote: wrap<Thrower>(port2), close: () => (port1.close(), port2.close()) };
}

describe("errors across comlink", () => {
  const standard = transferHandlers.get("throw")!;
  afterEach(() => void transferHandlers.set("throw", standard));

  it("lose their code with comlink's own handler (why keepErrorCodes exists)", async () => {
    const { remote, close } = connect();
    const e = await remote.fail().catch((e: unknown) => e);
    close();
    expect(vmErrorInfo(e)).toEqual({ code: "internal", message: "the browser's storage for this site is full" });
  });

  it("reach the caller as one value with code and message once the throwing side keeps codes", async () => {
    keepErrorCodes();
    keepErrorCodes(); // twice is harmless
    const { remote, close } = connect();
    const e = await remote.fail().catch((e: unknown) => e);
    const plain = await remote.failPlain().catch((e: unknown) => e);
    close();
    expect(e).toBeInstanceOf(Error);
    expect(vmErrorInfo(e)).toEqual({ code: "quota-exceeded", message: "the browser's storage for this site is full" });
    expect(vmErrorInfo(plain)).toEqual({ code: "internal", message: "something else" });
  });

  it("an unknown code is internal", () => {
    expect(vmErrorInfo(Object.assign(new Error("x"), { code: "ENOENT" }))).toEqual({ code: "internal", message: "x" });
  });
});
