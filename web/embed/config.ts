// What embed.html is asked for, by its URL (the <contained-lab> element writes it; a page that
// uses a plain iframe writes it by hand):
//   lesson, step     the lesson and step to open (a lesson's name, a step's number from 1)
//   mode=sandbox     terminals only, no lesson
//   origins          the origins whose pages may drive this lab (comma-separated); this lab's
//                    own origin is always trusted, any other only when listed here
//   pack             a lesson pack's URL (on a trusted origin), or "message": the page sends it
//   start=click      wait for a click (or a "start" request) before starting the machine
//   name             the page's name for this lab, given back in every message
//   theme            light or dark (else the system's)
import { parseOrigins } from "./protocol";

export interface EmbedConfig {
  lesson: string | null;
  step: string | null;
  sandbox: boolean;
  /** Origins whose messages are taken (this lab's own always among them). */
  trustedOrigins: string[];
  pack: { from: "url"; url: string } | { from: "message" } | null;
  startOnClick: boolean;
  name: string | null;
  theme: "light" | "dark" | null;
  /** What in the URL was refused, for the learner and the console. */
  problems: string[];
}

export function parseEmbedConfig(search: string, selfOrigin: string): EmbedConfig {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const { origins, refused } = parseOrigins(params.get("origins") ?? "");
  for (const item of refused) problems.push(`origins: "${item}" is not an origin such as https://docs.example`);
  const trustedOrigins = [selfOrigin, ...origins.filter((origin) => origin !== selfOrigin)];

  let pack: EmbedConfig["pack"] = null;
  const packParam = params.get("pack");
  if (packParam === "message") pack = { from: "message" };
  else if (packParam) {
    try {
      const url = new URL(packParam, `${selfOrigin}/`);
      // A pack is lessons' text and checks: only from a site this lab was told to trust.
      if (!trustedOrigins.includes(url.origin)) problems.push(`pack: ${url.origin} is not a trusted origin (add it to origins)`);
      else pack = { from: "url", url: url.href };
    } catch {
      problems.push(`pack: "${packParam}" is not a URL`);
    }
  }

  const theme = params.get("theme");
  const name = params.get("name");
  return {
    lesson: params.get("lesson"),
    step: params.get("step"),
    sandbox: params.get("mode") === "sandbox",
    trustedOrigins,
    pack,
    startOnClick: params.get("start") === "click",
    name: name && name.length <= 200 ? name : null,
    theme: theme === "light" || theme === "dark" ? theme : null,
    problems,
  };
}
