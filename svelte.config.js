// Svelte 5 with runes everywhere; TypeScript in components is stripped natively.
export default {
  compilerOptions: { runes: true },
};
