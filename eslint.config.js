// Lint: typescript-eslint's recommended rules for TypeScript, eslint-plugin-svelte's for
// components (their <script lang="ts"> parsed by typescript-eslint). Formatting is Prettier's.
import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import ts from "typescript-eslint";

export default ts.config(
  { ignores: ["dist/", "build/", "node_modules/", "test-results/", "playwright-report/", "images/out/", "tests/integration/tmp-*"] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // `_name` marks a parameter a signature needs but the body does not.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Terminal escape sequences (ESC, BEL) are what the terminal code matches.
      "no-control-regex": "off",
      // Listener sets and bookkeeping in the state classes are deliberately not reactive.
      "svelte/prefer-svelte-reactivity": "off",
    },
  },
  {
    files: ["web/sw/**/*.ts"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: [".svelte"] } },
  },
);
