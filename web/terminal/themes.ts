// xterm.js colours for the page's light and dark schemes.
import type { ITheme } from "@xterm/xterm";
import type { Theme } from "../state/settings.svelte";

const dark: ITheme = {
  background: "#15171c",
  foreground: "#e4e6eb",
  cursor: "#f5c451",
  cursorAccent: "#15171c",
  selectionBackground: "#3a4a6b",
  black: "#1e2127",
  red: "#ef6b73",
  green: "#8bcf6d",
  yellow: "#e6c170",
  blue: "#63a8f0",
  magenta: "#c982e0",
  cyan: "#56c1cc",
  white: "#d7dae0",
  brightBlack: "#6b7280",
  brightRed: "#ff8a91",
  brightGreen: "#a6e58a",
  brightYellow: "#f5d48c",
  brightBlue: "#8cc0ff",
  brightMagenta: "#dca2f0",
  brightCyan: "#7fd8e0",
  brightWhite: "#ffffff",
};

const light: ITheme = {
  background: "#fbfbf8",
  foreground: "#1f2328",
  cursor: "#1f2328",
  cursorAccent: "#fbfbf8",
  selectionBackground: "#b6d3ff",
  black: "#1f2328",
  red: "#c4272f",
  green: "#2f7d1f",
  yellow: "#8a6100",
  blue: "#0a5bc4",
  magenta: "#8a3fa8",
  cyan: "#0f7481",
  white: "#6e7781",
  brightBlack: "#57606a",
  brightRed: "#a40e26",
  brightGreen: "#1a6b10",
  brightYellow: "#6f4e00",
  brightBlue: "#0349a8",
  brightMagenta: "#6e2b8a",
  brightCyan: "#0b5a64",
  brightWhite: "#8c959f",
};

export function terminalTheme(theme: Theme): ITheme {
  return theme === "dark" ? dark : light;
}
