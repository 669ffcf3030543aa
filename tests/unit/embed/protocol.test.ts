import { describe, expect, it } from "vitest";
import { MAX_COMMAND_LENGTH, parseHostRequest, parseOrigins } from "../../../web/embed/protocol";
import { parseEmbedConfig } from "../../../web/embed/config";

const codeOf = (data: unknown) => {
  const parsed = parseHostRequest(data);
  return parsed.ok ? "ok" : parsed.code;
};

describe("the embed's message protocol", () => {
  it("takes each request type with its fields, and keeps the id", () => {
    expect(parseHostRequest({ contained: 1, id: "a", type: "run", command: "ls -l\nid", terminal: "second" })).toEqual({
      ok: true,
      request: { contained: 1, id: "a", type: "run", command: "ls -l\nid", terminal: "second" },
    });
    expect(parseHostRequest({ contained: 1, type: "open", lesson: "namespaces", step: 2 })).toEqual({
      ok: true,
      request: { contained: 1, type: "open", lesson: "namespaces", step: 2 },
    });
    for (const type of ["start", "pause", "resume", "stop"]) expect(codeOf({ contained: 1, type })).toBe("ok");
    expect(codeOf({ contained: 1, type: "load-pack", pack: { format: "x" } })).toBe("ok");
  });

  it("refuses what is not a Contained message, another version, an unknown type", () => {
    for (const data of [null, "run ls", 42, [], { type: "run", command: "ls" }]) expect(codeOf(data)).toBe("malformed");
    expect(parseHostRequest({ contained: 2, id: "x", type: "run", command: "ls" })).toMatchObject({ ok: false, id: "x", code: "unsupported-version" });
    expect(parseHostRequest({ contained: "1", type: "run", command: "ls" })).toMatchObject({ code: "unsupported-version" });
    expect(parseHostRequest({ contained: 1, type: "reboot" })).toMatchObject({ code: "unknown-type", message: expect.stringContaining("run, open") });
    expect(codeOf({ contained: 1, type: "toString" })).toBe("unknown-type");
  });

  it("refuses a field missing, of the wrong kind, or one it does not know", () => {
    const bad = [
      { contained: 1, type: "run" },
      { contained: 1, type: "run", command: "" },
      { contained: 1, type: "run", command: 7 },
      { contained: 1, type: "run", command: "ls", terminal: "third" },
      { contained: 1, type: "run", command: "ls\u0003" },
      { contained: 1, type: "run", command: "ls\rrm -rf /" },
      { contained: 1, type: "run", command: "x".repeat(MAX_COMMAND_LENGTH + 1) },
      { contained: 1, type: "run", command: "ls", as: "root" },
      { contained: 1, type: "open" },
      { contained: 1, type: "open", lesson: "x", step: 0 },
      { contained: 1, type: "open", lesson: "x", step: 1.5 },
      { contained: 1, type: "stop", now: true },
      { contained: 1, type: "load-pack", pack: "lessons.json" },
      { contained: 1, type: "run", command: "ls", id: 5 },
    ];
    for (const data of bad) expect(codeOf(data), JSON.stringify(data).slice(0, 80)).toBe("malformed");
    expect(codeOf({ contained: 1, type: "run", command: "printf 'a\\tb'\r\necho done" })).toBe("ok");
  });
});

describe("trusted origins", () => {
  it("are exact http(s) origins; anything else is refused and reported", () => {
    expect(parseOrigins("https://docs.example, http://localhost:8080  https://docs.example/")).toEqual({
      origins: ["https://docs.example", "http://localhost:8080"],
      refused: [],
    });
    expect(parseOrigins("*, null, https://docs.example/guide, javascript:alert(1), docs.example").refused).toEqual([
      "*",
      "null",
      "https://docs.example/guide",
      "javascript:alert(1)",
      "docs.example",
    ]);
  });

  it("always include the lab's own origin; a pack only comes from one of them", () => {
    const self = "https://lab.example";
    const config = parseEmbedConfig("?lesson=namespaces&step=2&origins=https://docs.example&pack=https://docs.example/lessons.json&name=one", self);
    expect(config).toMatchObject({
      lesson: "namespaces",
      step: "2",
      trustedOrigins: [self, "https://docs.example"],
      pack: { from: "url", url: "https://docs.example/lessons.json" },
      name: "one",
      problems: [],
    });
    expect(parseEmbedConfig("", self)).toMatchObject({ trustedOrigins: [self], pack: null, startOnClick: false, sandbox: false });
    const foreign = parseEmbedConfig("?pack=https://evil.example/pack.json&origins=*", self);
    expect(foreign.pack).toBeNull();
    expect(foreign.trustedOrigins).toEqual([self]);
    expect(foreign.problems).toEqual([
      expect.stringContaining('"*" is not an origin'),
      expect.stringContaining("https://evil.example is not a trusted origin"),
    ]);
    expect(parseEmbedConfig("?pack=message&start=click&mode=sandbox&theme=dark", self)).toMatchObject({
      pack: { from: "message" },
      startOnClick: true,
      sandbox: true,
      theme: "dark",
    });
  });
});
