// ESLint (`npm run lint`, part of `npm test`): typescript-eslint's recommended rules, and each
// folder's rule of imports (the README's "Layout" says the same in prose). Formatting is Prettier's
// job (`npm run format:check`), not ESLint's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import boundaryRules from "./scripts/lint/boundaries.mjs";

const TESTS = ["**/*.test.ts", "**/*.test.tsx"];

/**
 * Who may import what. Paths are folders from the repository's root; imports are resolved, so
 * "../scheduler" and "@/server/scheduler" are the same. Tests may import anything.
 */
const boundaries = [
  {
    from: ["server/pbt"],
    allow: ["server/pbt"],
    packages: ["zod", "ml-matrix", "fast-check"],
    because: "the PBT engine is pure: plain functions over plain data, no I/O, no other part of Lineage",
  },
  {
    from: ["server/domain"],
    allow: ["server/domain", "server/pbt"],
    packages: ["zod"],
    because: "the contracts are shared by the server, the browser and the SDKs: they build on the engine and zod only",
  },
  {
    from: ["app", "components"],
    allow: ["app", "components", "server/domain", "server/pbt"],
    allowTypes: ["server"],
    because: "the browser may run the pure modules (server/domain, server/pbt) and import the server's types (`import type`), never its runtime code",
  },
  {
    from: ["sdk", "examples"],
    deny: ["server", "app", "components", "e2e", "bench", "scripts"],
    allowTypes: ["server"],
    because: "the SDKs and examples run on workers' machines and talk to the server over HTTP: they import its types (`import type`) only",
  },
  {
    from: ["server/scheduler"],
    deny: ["server/reads", "server/api", "server/realtime"],
    allowTypes: ["server/realtime/bus"],
    because: "the locked write path stands alone: it announces changes on the bus it is given (the Bus interface, a type) and reads through its own queries",
  },
  {
    from: ["server/reads"],
    deny: ["server/scheduler", "server/api", "server/realtime"],
    because: "reads never take the experiment lock nor write: they query the database directly",
  },
  {
    from: ["server/realtime"],
    deny: ["server/scheduler", "server/api"],
    because: "socket.io reads the event log (server/reads) and hears the scheduler through the bus, never by calling it",
  },
  {
    from: ["server/auth"],
    deny: ["server/scheduler", "server/reads", "server/api", "server/realtime"],
    allowTypes: ["server/realtime/bus"],
    because: "access control works on its own tables (server/db) and tells other processes through the bus it is given (a type)",
  },
  {
    from: ["server/checkpoints"],
    allow: ["server/checkpoints", "server/domain"],
    because: "a checkpoint store keeps bytes under keys: it knows nothing of jobs, locks or the database",
  },
  {
    from: ["server/db"],
    allow: ["server/db", "server/domain", "server/pbt"],
    because: "the database layer is the bottom of the server: it knows the contracts (server/domain) and nothing that uses it",
  },
  {
    from: ["server", "app", "components", "sdk", "examples"],
    except: ["server/testing"],
    deny: ["server/testing", "e2e", "bench", "scripts"],
    because: "runtime code does not depend on test helpers, benchmarks or scripts",
  },
];

export default tseslint.config(
  {
    ignores: ["node_modules/", ".next/", "server/db/generated/", "test-results/", "playwright-report/", "e2e/artifacts/", "next-env.d.ts"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      // The few plain JavaScript files (next.config.js, sdk/bin/lineage.mjs...) run on Node.
      globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly" },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_` marks what is unused on purpose (a destructured field left out, a callback's argument).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      // An empty catch says "this may fail and that is fine": allowed, as in `.catch(() => {})`.
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    // Tests (and the helpers and benchmarks around them) read the servers' JSON answers as `any`
    // and let expect() check their shape.
    files: [...TESTS, "server/testing/**", "bench/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.mjs", "**/*.js"],
    ignores: TESTS,
    plugins: { lineage: boundaryRules },
    rules: { "lineage/boundaries": ["error", boundaries] },
  },
);
