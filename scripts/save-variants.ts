// The ways of saving after the unpack that the Chromium snapshot bench sets side by side (A/B).
// (The page cache's drop, `echo 1` against `sync; echo 3`, and the compression worker against
// compressing on the emulator's thread were settled by earlier A/Bs: see the notes.)
export const SAVE_VARIANTS = [
  { name: "blocks written raw, compressed by the pass after (now)", release: "clean", compressInPlace: false, compressInSave: false },
  { name: "blocks compressed in the save, compression worker (before)", release: "clean", compressInPlace: false, compressInSave: true },
] as const;
