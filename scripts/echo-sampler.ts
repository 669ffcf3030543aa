// What a learner typing during a save would see: a key typed into the second terminal's shell
// every SAMPLE_MS, and how long until its echo came back (the guest must run to echo it). Used
// by the snapshot benches, in Node and in Chromium.
import type { TerminalId } from "../worker/api";

const SAMPLE_MS = 25;

export class EchoSampler {
  private waiting: ((at: number) => void) | null = null;

  constructor(private readonly write: (terminal: TerminalId, data: string) => Promise<void>) {}

  /** Feed the terminals' output. */
  output(terminal: TerminalId, data: Uint8Array): void {
    if (terminal === "second" && data.includes(0x78) && this.waiting) {
      const done = this.waiting;
      this.waiting = null;
      done(performance.now());
    }
  }

  /** Echo latencies (ms) of the keys typed while `fn` ran, and its result. */
  async during<T>(fn: () => Promise<T>): Promise<{ result: T; echoes: number[] }> {
    const echoes: number[] = [];
    let running = true;
    const typing = (async () => {
      while (running) {
        const t0 = performance.now();
        const echoed = new Promise<number>((resolve) => (this.waiting = resolve));
        await this.write("second", "x");
        echoes.push((await echoed) - t0);
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
      }
    })();
    const result = await fn();
    running = false;
    await typing;
    await this.write("second", "\x15"); // (Ctrl-U: the line typed is gone)
    return { result, echoes };
  }
}

/** "max 812 ms, p50 31 ms, 40 keys" */
export function echoSummary(echoes: number[]): string {
  const sorted = [...echoes].sort((a, b) => a - b);
  if (!sorted.length) return "no keys";
  return `echo max ${sorted[sorted.length - 1].toFixed(0)} ms, p50 ${sorted[sorted.length >> 1].toFixed(0)} ms (${sorted.length} keys)`;
}
