// Lint: the TypeScript-aware recommended rules, plus the habits the codebase relies on.
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["node_modules/**", ".data/**", "coverage/**", "artifacts/**", "reports/**", ".stryker-tmp/**"] },
  { files: ["**/*.cjs"], languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off"
    }
  },
  {
    // The domain is pure: no clock, no randomness, no environment.
    files: ["domain/**/*.ts"],
    rules: {
      "no-restricted-globals": ["error", "process", "fetch", "setTimeout", "setInterval"],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Pass time in; the domain reads no clock." },
        { object: "Math", property: "random", message: "Pass randomness in; the domain is deterministic." }
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Pass time in; the domain reads no clock." }
      ]
    }
  }
)
