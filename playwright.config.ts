// Browser tests: a real Chromium against the real server (server/main.ts serving the Next.js
// production build, which `npm test` builds first), with a fresh embedded database per run.
import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUTH_ADMIN_TOKEN, AUTH_PORT, AUTH_URL } from "./e2e/auth-server";
import { chromiumLaunchOptions } from "./e2e/chromium";

const PORT = Number(process.env.LINEAGE_E2E_PORT ?? 3107);
const BASE_URL = `http://127.0.0.1:${PORT}`;

// Playwright loads this file in the runner and again in every worker; the folder is made once, by
// the runner, and handed to the workers through the environment. The runner removes it when it
// exits, after it has stopped the server.
if (!process.env.LINEAGE_E2E_DATA_DIR) {
  const dataDir = mkdtempSync(join(tmpdir(), "lineage-e2e-"));
  const authDataDir = mkdtempSync(join(tmpdir(), "lineage-e2e-auth-"));
  process.env.LINEAGE_E2E_DATA_DIR = dataDir;
  process.env.LINEAGE_E2E_AUTH_DATA_DIR = authDataDir;
  process.on("exit", () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(authDataDir, { recursive: true, force: true });
  });
}

const serverEnv = {
  NODE_ENV: "production",
  HOST: "127.0.0.1",
  LINEAGE_UI: "on",
  // Never run the browser tests against a PostgreSQL that happens to be set in the shell.
  DATABASE_URL: "",
  NEXT_TELEMETRY_DISABLED: "1",
  // The toy runs in sync mode: a worker waiting for the other member's generation asks again soon.
  LINEAGE_RETRY_AFTER_SECONDS: "0.2",
  // Every API answer is checked against its operation's output schema.
  LINEAGE_CHECK_OUTPUTS: "1",
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: chromiumLaunchOptions,
      },
    },
  ],
  webServer: [
    {
      command: "node --import tsx server/main.ts",
      url: `${BASE_URL}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 180_000,
      // SIGTERM first so the server can close its database cleanly before the folder is removed.
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      env: { ...serverEnv, PORT: String(PORT), LINEAGE_DATA_DIR: process.env.LINEAGE_E2E_DATA_DIR! },
    },
    {
      // Access control on (e2e/access.spec.ts).
      command: "node --import tsx server/main.ts",
      url: `${AUTH_URL}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 180_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      env: {
        ...serverEnv,
        PORT: String(AUTH_PORT),
        LINEAGE_DATA_DIR: process.env.LINEAGE_E2E_AUTH_DATA_DIR!,
        LINEAGE_AUTH: "on",
        LINEAGE_ADMIN_TOKEN: AUTH_ADMIN_TOKEN,
      },
    },
  ],
});
