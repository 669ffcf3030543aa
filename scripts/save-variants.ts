// The ways of saving after the unpack that the Chromium snapshot bench sets side by side (A/B).
export const SAVE_VARIANTS = [
  { name: "clean drop, compression worker (now)", release: "clean", compressInPlace: false },
  { name: "clean drop, compressed in place", release: "clean", compressInPlace: true },
  { name: "sync + full drop, compression worker", release: "sync-all", compressInPlace: false },
  { name: "sync + full drop, compressed in place (before)", release: "sync-all", compressInPlace: true },
] as const;
