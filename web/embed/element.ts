// embed.js: the <contained-lab> element a docs site puts in its pages, with one script tag:
//   <script src="https://lab.example/embed.js" async></script>
//   <contained-lab lesson="namespaces" step="2" height="480"></contained-lab>
// Each element is a frame of the lab's embed.html with a machine of its own, made only when it
// should start: when scrolled near (start="visible", the default), on a click (start="click"),
// or at once (start="load"). The page drives it with methods (run, open, start, pause, resume,
// stop) that send the lab versioned messages (protocol.ts) and resolve when it has done them,
// and hears from it through DOM events: contained-loaded, contained-ready, contained-status,
// contained-command-finished, contained-step-passed, contained-error.
// Built on its own as a classic script (vite.config.ts), so it needs no CORS from the lab's host.
import type { TerminalId } from "../../worker/api";
import { PROTOCOL_VERSION, isEmbedMessage, type EmbedMessage, type HostRequest } from "./protocol";

type Request = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, "contained" | "id"> : never) : never;

/** Where this script came from: the lab's folder (its embed.html is beside it). */
function scriptFolder(): string {
  const current = document.currentScript as HTMLScriptElement | null;
  const src = current?.src || [...document.querySelectorAll<HTMLScriptElement>("script[src]")].find((s) => /\/embed\.js(?:[?#]|$)/.test(s.src))?.src;
  return new URL("./", src || document.baseURI).href;
}
const LAB_FOLDER = scriptFolder();

const STYLE = `
:host { display: block; position: relative; border: 1px solid #d0d3d7; border-radius: 8px; overflow: hidden; background: #15171c; }
iframe { display: block; width: 100%; height: 100%; border: 0; }
.placeholder { box-sizing: border-box; height: 100%; display: grid; place-content: center; justify-items: center; gap: .6rem; padding: 1rem;
  color: #e4e6eb; font: 15px/1.4 system-ui, sans-serif; text-align: center; }
.placeholder p { margin: 0; color: #a0a7b4; max-width: 30rem; }
button { font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #63a8f0; background: #63a8f0; color: #0f1115; cursor: pointer; }
button:focus-visible { outline: 3px solid #8cc0ff; outline-offset: 2px; }
`;

let nextLab = 1;

export class ContainedLabElement extends HTMLElement {
  static observedAttributes = ["lesson", "step", "height"];

  private readonly root: ShadowRoot;
  private frame: HTMLIFrameElement | null = null;
  private labOrigin = "";
  private loaded = false;
  private readyState = false;
  private queue: Array<() => void> = [];
  private pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private nextRequest = 1;
  private observer: IntersectionObserver | null = null;
  private pack: Promise<unknown> | null = null;
  private pausedOffscreen = false;
  private status = "stopped";
  private readonly onMessage = (event: MessageEvent) => this.receive(event);

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
  }

  /** The lab's name in its messages: the element's id, else a number. */
  readonly labName = `lab-${nextLab++}`;

  /** Whether its machine is ready (a prompt is showing). */
  get ready(): boolean {
    return this.readyState;
  }

  connectedCallback(): void {
    this.applyHeight();
    window.addEventListener("message", this.onMessage);
    const packUrl = this.getAttribute("pack");
    if (packUrl && !this.pack) this.pack = this.fetchPack(new URL(packUrl, document.baseURI).href);
    const start = this.getAttribute("start") ?? "visible";
    if (start === "load") this.createFrame();
    else this.showPlaceholder(start === "click");
    this.observer = new IntersectionObserver((entries) => this.onVisibility(entries.some((e) => e.isIntersecting)), { rootMargin: "200px" });
    this.observer.observe(this);
  }

  disconnectedCallback(): void {
    window.removeEventListener("message", this.onMessage);
    this.observer?.disconnect();
    this.observer = null;
    // The frame goes with the element, and its machine with it.
    this.frame?.remove();
    this.frame = null;
    this.loaded = false;
    this.readyState = false;
    for (const { reject } of this.pending.values()) reject(new Error("the lab was removed from the page"));
    this.pending.clear();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (name === "height") this.applyHeight();
    else if (this.loaded && old !== value && (name === "lesson" || name === "step")) {
      const lesson = this.getAttribute("lesson");
      const step = this.getAttribute("step");
      if (lesson) void this.open(lesson, step ?? undefined).catch(() => {});
    }
  }

  private applyHeight(): void {
    const height = this.getAttribute("height") ?? "480";
    this.style.height = /^\d+$/.test(height) ? `${height}px` : height;
  }

  private onVisibility(visible: boolean): void {
    const start = this.getAttribute("start") ?? "visible";
    if (visible && !this.frame && start === "visible") this.createFrame();
    if (!this.hasAttribute("pause-offscreen") || !this.readyState) return;
    if (!visible && this.status === "running") {
      this.pausedOffscreen = true;
      void this.pause().catch(() => {});
    } else if (visible && this.pausedOffscreen) {
      this.pausedOffscreen = false;
      void this.resume().catch(() => {});
    }
  }

  private showPlaceholder(withButton: boolean): void {
    this.root.innerHTML = `<style>${STYLE}</style><div class="placeholder"><strong>Linux lab</strong><p></p></div>`;
    const text = this.root.querySelector("p")!;
    if (!withButton) {
      text.textContent = "It starts when you scroll here.";
      return;
    }
    text.textContent = "A real Linux machine that runs in this page.";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Start the Linux lab";
    button.addEventListener("click", () => this.createFrame());
    text.before(button);
  }

  private async fetchPack(url: string): Promise<unknown> {
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await response.json();
    } catch (e) {
      this.emit("error", {
        contained: PROTOCOL_VERSION,
        type: "error",
        code: "bad-pack",
        message: `could not load the lesson pack ${url}: ${(e as Error).message}`,
      });
      return null;
    }
  }

  /** The frame's address: embed.html, told what to open and whom to trust. */
  private frameUrl(havePack: boolean): string {
    const base = new URL(this.getAttribute("src") ?? LAB_FOLDER, document.baseURI);
    const url = new URL("embed.html", base.href.endsWith("/") ? base : `${base.href}/`);
    const params = url.searchParams;
    for (const name of ["lesson", "step", "mode", "theme"]) {
      const value = this.getAttribute(name);
      if (value) params.set(name, value);
    }
    const trusted = [location.origin, ...(this.getAttribute("trusted-origins") ?? "").split(/[\s,]+/).filter(Boolean)];
    params.set("origins", trusted.join(","));
    params.set("name", this.id || this.labName);
    if (havePack) params.set("pack", "message");
    return url.href;
  }

  private async createFrame(): Promise<void> {
    if (this.frame) return;
    const frame = document.createElement("iframe");
    this.frame = frame;
    const pack = this.pack ? await this.pack : null;
    const src = this.frameUrl(pack !== null);
    this.labOrigin = new URL(src).origin;
    if (pack !== null) this.queue.unshift(() => void this.request({ type: "load-pack", pack }).catch(() => {}));
    frame.title = this.getAttribute("title") ?? "Linux lab";
    frame.allow = "clipboard-read; clipboard-write";
    frame.src = src;
    this.root.innerHTML = `<style>${STYLE}</style>`;
    this.root.append(frame);
  }

  private emit(type: string, detail: EmbedMessage): void {
    this.dispatchEvent(new CustomEvent(`contained-${type}`, { detail, bubbles: true, composed: true }));
  }

  private receive(event: MessageEvent): void {
    // Only this element's frame, from the lab's origin.
    if (!this.frame || event.source !== this.frame.contentWindow || event.origin !== this.labOrigin || !isEmbedMessage(event.data)) return;
    const message = event.data;
    if (message.type === "done" || (message.type === "error" && message.id && this.pending.has(message.id))) {
      const waiting = message.id ? this.pending.get(message.id) : undefined;
      if (waiting && message.id) {
        this.pending.delete(message.id);
        if (message.type === "done") waiting.resolve();
        else waiting.reject(Object.assign(new Error(message.message), { code: message.code }));
      }
      if (message.type === "done") return;
    }
    if (message.type === "loaded") {
      this.loaded = true;
      for (const send of this.queue.splice(0)) send();
    } else if (message.type === "ready") this.readyState = true;
    else if (message.type === "status") {
      this.status = message.status;
      if (message.status !== "running" && message.status !== "busy" && message.status !== "paused") this.readyState = false;
    }
    this.emit(message.type, message);
  }

  /**
   * Sends a request (once the frame listens) and resolves when the lab has done it. A request
   * that `startsLab` (run, open: the learner asked for the lab) makes the frame if there is none.
   */
  private request(request: Request, { startsLab = false } = {}): Promise<void> {
    if (!this.frame) {
      if (!startsLab) return Promise.reject(Object.assign(new Error("the lab has not started"), { code: "not-running" }));
      void this.createFrame();
    }
    const id = `r${this.nextRequest++}`;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const send = () => this.frame?.contentWindow?.postMessage({ contained: PROTOCOL_VERSION, id, ...request }, this.labOrigin);
      if (this.loaded) send();
      else this.queue.push(send);
    });
  }

  /**
   * Types a command into one of the lab's shells (the lesson's, by default) and runs it; starts
   * the lab first if it has not started, and waits for its machine to be ready.
   */
  async run(command: string, options: { terminal?: TerminalId } = {}): Promise<void> {
    if (this.pausedOffscreen) {
      this.pausedOffscreen = false;
      await this.resume();
    }
    return this.request({ type: "run", command, ...(options.terminal ? { terminal: options.terminal } : {}) }, { startsLab: true });
  }

  /** Opens a lesson (at a step: its number from 1, or its folder name). */
  open(lesson: string, step?: number | string): Promise<void> {
    return this.request(
      { type: "open", lesson, ...(step === undefined ? {} : { step: /^\d+$/.test(String(step)) ? Number(step) : step }) },
      { startsLab: true },
    );
  }

  /** Starts the lab now (or again, after stop()). */
  start(): Promise<void> {
    if (!this.frame) {
      void this.createFrame();
      return new Promise((resolve) => this.addEventListener("contained-ready", () => resolve(), { once: true }));
    }
    return this.request({ type: "start" });
  }

  /** Halts the machine, keeping everything as it is. */
  pause(): Promise<void> {
    return this.request({ type: "pause" });
  }

  resume(): Promise<void> {
    return this.request({ type: "resume" });
  }

  /** Ends the machine (its memory is freed); start() gives a fresh one. */
  stop(): Promise<void> {
    return this.request({ type: "stop" });
  }
}

if (!customElements.get("contained-lab")) customElements.define("contained-lab", ContainedLabElement);

declare global {
  interface HTMLElementTagNameMap {
    "contained-lab": ContainedLabElement;
  }
}
