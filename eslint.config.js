// ESLint for the browser code (the grid component, figures/component/*.js; the class listener,
// ui/*.js): its recommended rules, on ES modules. `npm ci && npx eslint figures/component/ ui/`.
import js from "@eslint/js";

// The browser's names the component uses (no dependency on a list of every global).
const browser = Object.fromEntries(
  [
    "atob",
    "clearTimeout",
    "CustomEvent",
    "document",
    "EventSource",
    "fetch",
    "performance",
    "requestAnimationFrame",
    "ResizeObserver",
    "setTimeout",
    "URL",
    "window",
  ].map(
    (name) => [name, "readonly"],
  ),
);

export default [
  js.configs.recommended,
  {
    files: ["figures/component/**/*.js", "ui/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: browser },
  },
];
