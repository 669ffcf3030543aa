// The terminal's renderer: xterm.js's WebGL addon where a GPU draws WebGL, else (no WebGL, WebGL
// drawn in software, the addon fails to start, or the GPU drops its context later) xterm's own
// DOM renderer. Software WebGL (SwiftShader, as in a browser run with --disable-gpu; llvmpipe)
// draws on the CPU: measured during a 20 MB flood it made frames of 680 ms at p99 where the DOM
// renderer's stayed under 33 ms (scripts/bench-io.ts). The addon is loaded after the terminal
// shows, so it never holds up the first prompt.
import type { Terminal } from "@xterm/xterm";

export type RendererKind = "webgl" | "dom";

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i;

/** Whether this browser draws WebGL2 on a GPU (the renderer's name, where it tells it, is not a software one). */
export function hardwareWebgl(): boolean {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return false;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext(); // give the probe's context back at once
  return !SOFTWARE_RENDERER.test(name);
}

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
  if (!hardwareWebgl()) {
    changed("dom");
    return () => {};
  }
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
