// The terminal's renderer: xterm.js's WebGL addon where WebGL works, else (no WebGL, the addon
// fails to start, or the GPU drops its context later) xterm's own DOM renderer. The addon is
// loaded after the terminal shows, so it never holds up the first prompt.
import type { Terminal } from "@xterm/xterm";

export type RendererKind = "webgl" | "dom";

/**
 * Starts the WebGL renderer on an open terminal; `changed` hears which renderer draws it (first
 * "webgl" if that worked, "dom" if it did not or once its context is lost). Returns a disposer.
 */
export function useWebglRenderer(terminal: Terminal, changed: (kind: RendererKind) => void): () => void {
  let disposed = false;
  let addon: { dispose(): void } | null = null;
  const fallBack = () => {
    addon?.dispose();
    addon = null;
    if (!disposed) changed("dom");
  };
  import("@xterm/addon-webgl")
    .then(({ WebglAddon }) => {
      if (disposed) return;
      const webgl = new WebglAddon();
      webgl.onContextLoss(fallBack);
      terminal.loadAddon(webgl); // throws when no WebGL2 context can be had
      addon = webgl;
      changed("webgl");
    })
    .catch(fallBack);
  return () => {
    disposed = true;
    addon?.dispose();
    addon = null;
  };
}
