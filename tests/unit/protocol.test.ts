import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { AnswerReader, encodeRequest, fromBase64, parseAnswer, toBase64, type AgentAnswer } from "../../worker/protocol";
import { ControlChannel } from "../../worker/control";

const dir = new URL("../fixtures/protocol/", import.meta.url);

/** The transcript files the tests below have read (the last test checks none is left out). */
const played = new Set<string>();

/** A golden transcript: "> " lines the host sends, "< " lines the agent answers. */
function transcript(name: string) {
  played.add(name);
  const lines = readFileSync(new URL(name, dir), "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"));
  return {
    sent: lines.filter((l) => l.startsWith("> ")).map((l) => l.slice(2)),
    answered: lines.filter((l) => l.startsWith("< ")).map((l) => l.slice(2)),
  };
}

function decodeRequestLine(line: string) {
  const [kind, nonce, timeout, command, stdin] = line.split(" ");
  return { kind, nonce, timeout: Number(timeout), command: new TextDecoder().decode(fromBase64(command)), stdin: stdin && fromBase64(stdin) };
}

describe("control protocol framing", () => {
  it("encodes an exec request exactly as the echo transcript shows", () => {
    const { sent } = transcript("exec-echo.txt");
    const line = new TextDecoder().decode(
      encodeRequest({ kind: "exec", nonce: "0123456789abcdef0123456789abcdef", timeoutMs: 5000, command: "echo hi; echo oops >&2" }),
    );
    expect(line).toBe(sent[0] + "\n");
  });

  it("encodes stdin after the command, binary-safe", () => {
    const { sent } = transcript("binary-stdin.txt");
    const line = new TextDecoder().decode(
      encodeRequest({ kind: "exec", nonce: "1111111122222222", timeoutMs: 5000, command: "cat", stdin: new Uint8Array([0xff, 0, 0xfe, 0x81]) }),
    );
    expect(line).toBe(sent[0] + "\n");
    expect(decodeRequestLine(sent[0]).stdin).toEqual(new Uint8Array([0xff, 0, 0xfe, 0x81]));
  });

  it("refuses commands the agent could not run", () => {
    expect(() => encodeRequest({ kind: "exec", nonce: "0123456789abcdef", timeoutMs: 1, command: "" })).toThrow(/empty/);
    expect(() => encodeRequest({ kind: "exec", nonce: "0123456789abcdef", timeoutMs: 1, command: "a\0b" })).toThrow(/NUL/);
  });

  it("parses stdout, stderr and end lines, and nothing else", () => {
    expect(parseAnswer("0123456789abcdef o aGkK")).toEqual({ kind: "stdout", nonce: "0123456789abcdef", data: new TextEncoder().encode("hi\n") });
    expect(parseAnswer("0123456789abcdef x 137 timeout")).toEqual({ kind: "end", nonce: "0123456789abcdef", exitCode: 137, status: "timeout" });
    expect(parseAnswer("? x -1 error:bad-request")).toEqual({ kind: "end", nonce: "?", exitCode: -1, status: "error:bad-request" });
    expect(parseAnswer("@@contained-agent ready 1")).toEqual({ kind: "ready", version: 1 });
    expect(parseAnswer("[   12.345678] random: crng init done")).toBeNull();
    expect(parseAnswer("0123456789abcdef o not*base64")).toBeNull();
    expect(parseAnswer("short o aGkK")).toBeNull();
    expect(parseAnswer("0123456789abcdef x zero ok")).toBeNull();
  });

  it("reassembles answers from bytes arriving one at a time", () => {
    const { answered } = transcript("exec-echo.txt");
    const got: AgentAnswer[] = [];
    const reader = new AnswerReader((a) => got.push(a));
    for (const byte of new TextEncoder().encode(answered.join("\r\n") + "\n")) reader.push([byte]);
    expect(got.map((a) => a.kind)).toEqual(["stdout", "stderr", "end"]);
  });

  it("round-trips every byte value through base64", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromBase64(toBase64(all))).toEqual(all);
  });
});

/** Plays a transcript against a ControlChannel, answering each request with the recorded lines. */
function playAgainst(name: string, fixedNonce: string) {
  const { answered } = transcript(name);
  const sent: string[] = [];
  const channel: ControlChannel = new ControlChannel((bytes) => {
    const line = new TextDecoder().decode(bytes).trimEnd();
    sent.push(line);
    if (!line.startsWith("x ")) return;
    // Answer with the transcript, the recorded nonce swapped for the one the channel chose.
    const nonce = line.split(" ")[1];
    queueMicrotask(() => channel.receive(new TextEncoder().encode(answered.map((l) => l.replaceAll(fixedNonce, nonce)).join("\n") + "\n")));
  });
  return { channel, sent };
}

describe("control channel", () => {
  it("returns stdout, stderr and the exit code of the echo transcript", async () => {
    const { channel } = playAgainst("exec-echo.txt", "0123456789abcdef0123456789abcdef");
    const result = await channel.exec("echo hi; echo oops >&2");
    expect(result).toMatchObject({ exitCode: 0, status: "ok", stdout: "hi\n", stderr: "oops\n" });
  });

  it("reports a command the agent killed as a timeout", async () => {
    const { channel } = playAgainst("exec-timeout.txt", "00000000aaaaaaaa");
    const result = await channel.exec("sleep 100", { timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: 137, status: "timeout" });
  });

  it("ignores answers to other nonces and noise", async () => {
    const { channel } = playAgainst("stale-and-noise.txt", "ffffffff00000001");
    const result = await channel.exec("true");
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("keeps bytes that are not UTF-8 exact", async () => {
    const { channel } = playAgainst("binary-stdin.txt", "1111111122222222");
    const result = await channel.exec("cat", { stdin: new Uint8Array([0xff, 0, 0xfe, 0x81]) });
    expect(result.stdoutBytes).toEqual(new Uint8Array([0xff, 0, 0xfe, 0x81]));
  });

  it("queues concurrent calls instead of interleaving them", async () => {
    const sent: string[] = [];
    const inFlight = new Set<string>();
    let maxInFlight = 0;
    const channel: ControlChannel = new ControlChannel((bytes) => {
      const [, nonce] = new TextDecoder().decode(bytes).split(" ");
      sent.push(nonce);
      inFlight.add(nonce);
      maxInFlight = Math.max(maxInFlight, inFlight.size);
      setTimeout(() => {
        inFlight.delete(nonce);
        channel.receive(new TextEncoder().encode(`${nonce} o ${toBase64(new TextEncoder().encode(nonce))}\n${nonce} x 0 ok\n`));
      }, 5);
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => channel.exec(`echo ${i}`)));
    expect(maxInFlight).toBe(1);
    expect(results.map((r) => r.stdout)).toEqual(sent);
  });

  it("fails a call the guest never answers, and the next call still works", async () => {
    let answer = false;
    const channel: ControlChannel = new ControlChannel((bytes) => {
      const [kind, nonce] = new TextDecoder().decode(bytes).split(" ");
      if (kind === "x" && answer) queueMicrotask(() => channel.receive(new TextEncoder().encode(`${nonce.trim()} x 0 ok\n`)));
    });
    await expect(channel.exec("true", { timeoutMs: 1 })).rejects.toThrow(/did not answer/);
    answer = true;
    await expect(channel.exec("true")).resolves.toMatchObject({ exitCode: 0 });
  }, 10_000);

  it("abandons the request in flight and those queued when the machine is replaced; later ones run", async () => {
    const sent: string[] = [];
    let answering = false;
    let firstSent!: () => void;
    const onFirstSent = new Promise<void>((resolve) => (firstSent = resolve));
    const channel: ControlChannel = new ControlChannel((bytes) => {
      const [kind, nonce] = new TextDecoder().decode(bytes).split(" ");
      sent.push(kind);
      firstSent();
      if (kind === "x" && answering)
        queueMicrotask(() =>
          channel.receive(new TextEncoder().encode(`${nonce.trim()} o ${toBase64(new TextEncoder().encode("fresh"))}\n${nonce.trim()} x 0 ok\n`)),
        );
    });
    const inFlight = channel.exec("sleep 100");
    const queued = channel.exec("echo queued");
    await onFirstSent; // the first is in flight, the second waits behind it
    channel.abandon();
    answering = true;
    const later = channel.exec("echo later");
    await expect(inFlight).rejects.toMatchObject({ code: "abandoned" });
    await expect(queued).rejects.toMatchObject({ code: "abandoned" });
    await expect(later).resolves.toMatchObject({ stdout: "fresh" });
    expect(sent).toEqual(["x", "x"]); // the queued one never reached the guest
  });

  it("runs exclusive work only when no request is in flight", async () => {
    const events: string[] = [];
    const channel: ControlChannel = new ControlChannel((bytes) => {
      const [, nonce] = new TextDecoder().decode(bytes).split(" ");
      events.push("sent");
      setTimeout(() => (events.push("answered"), channel.receive(new TextEncoder().encode(`${nonce.trim()} x 0 ok\n`))), 20);
    });
    const first = channel.exec("true");
    const exclusive = channel.exclusive(async () => events.push("exclusive"));
    const second = channel.exec("true");
    await Promise.all([first, exclusive, second]);
    expect(events).toEqual(["sent", "answered", "exclusive", "sent", "answered"]);
  });

  it("resolves nextReady when the agent announces itself, as the ready transcript shows", async () => {
    const { answered } = transcript("ready.txt");
    const got: AgentAnswer[] = [];
    const reader = new AnswerReader((a) => got.push(a));
    reader.push(new TextEncoder().encode(answered.join("\r\n") + "\r\n"));
    expect(got).toEqual([{ kind: "ready", version: 1 }]);
    const channel = new ControlChannel(() => {});
    let ready = false;
    const waiting = channel.nextReady().then(() => (ready = true));
    channel.receive(new TextEncoder().encode("[    0.5] noise\n"));
    await Promise.resolve();
    expect(ready).toBe(false);
    channel.receive(new TextEncoder().encode(answered.join("\n") + "\n"));
    await waiting;
    expect(ready).toBe(true);
  });
});

describe("the protocol fixtures", () => {
  // Last in this file: every transcript file is read by a test above.
  it("are each played by a test", () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".txt"))
      .sort();
    expect(files.length).toBeGreaterThan(0);
    expect([...played].sort()).toEqual(files);
  });
});
