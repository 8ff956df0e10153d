// ESLint for the grid component's browser code (figures/component/*.js): its recommended
// rules, on ES modules that run in a browser. `npm ci && npx eslint figures/component/`.
import js from "@eslint/js";

// The browser's names the component uses (no dependency on a list of every global).
const browser = Object.fromEntries(
  ["atob", "document", "fetch", "performance", "requestAnimationFrame", "ResizeObserver", "setTimeout", "URL", "window"].map(
    (name) => [name, "readonly"],
  ),
);

export default [
  js.configs.recommended,
  {
    files: ["figures/component/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: browser },
  },
];
