import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["server/**/*.test.ts", "components/**/*.test.ts", "sdk/**/*.test.ts", "examples/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Database and server tests start real processes; two cores do not gain from more.
    maxWorkers: 2,
    // Every API answer is checked against its operation's output schema (server/api/operations/define.ts),
    // in this process and in the servers tests start (they inherit the environment).
    env: { LINEAGE_CHECK_OUTPUTS: "1" },
  },
});
