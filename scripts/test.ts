// `npm test`: the whole suite. The lint and format checks; unit and integration tests (vitest) on
// PGlite and, when reachable, PostgreSQL; then the browser tests (Playwright in Chromium) against a
// production build.
// Says plainly what it skipped and why; under CI=true nothing may be skipped.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, "..");
const CI = process.env.CI === "true" || process.env.CI === "1";
const OUT = path.join(ROOT, "test-results");
const skipped: string[] = [];
const totals = { passed: 0, failed: 0, skipped: 0 };

function run(command: string, args: string[], env: Record<string, string> = {}) {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  return spawnSync(command, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;
}

async function postgresReason(): Promise<string | null> {
  const url = process.env.LINEAGE_TEST_POSTGRES_URL;
  if (!url) return "LINEAGE_TEST_POSTGRES_URL is not set (see README: Running the tests)";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
    return null;
  } catch (error) {
    return `PostgreSQL at LINEAGE_TEST_POSTGRES_URL is unreachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

function chromiumReason(): string | null {
  if (existsSync("/usr/bin/chromium")) return null;
  try {
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    if (existsSync(chromium.executablePath())) return null;
  } catch {}
  return "no Chromium: install Debian's chromium package (apt-get install chromium)";
}

type Counts = { passed: number; failed: number; skipped: number };

function count<Report>(file: string, pick: (report: Report) => Counts) {
  if (!existsSync(file)) return false;
  const c = pick(JSON.parse(readFileSync(file, "utf8")) as Report);
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
  return true;
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const pgReason = await postgresReason();
if (pgReason) skipped.push(`PostgreSQL tests: ${pgReason}`);
const pythonOk = spawnSync(process.env.LINEAGE_TEST_PYTHON ?? "python3", ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)"]).status === 0;
if (!pythonOk) skipped.push("Python SDK tests (sdk/python): no python3 >= 3.9 (set LINEAGE_TEST_PYTHON to one)");
const browserReason = chromiumReason();
if (browserReason) skipped.push(`browser tests (e2e/): ${browserReason}`);
if (CI && skipped.length > 0) {
  console.error(`CI=true and something would be skipped:\n- ${skipped.join("\n- ")}`);
  process.exit(1);
}

let failed = false;
// The checks that need no server: each failure fails the suite, and the tests still run.
const checks = [
  { name: "lint", status: run("npm", ["run", "--silent", "lint"]) },
  { name: "format:check", status: run("npm", ["run", "--silent", "format:check"]) },
].filter((c) => c.status !== 0);
for (const c of checks) console.error(`npm run ${c.name} failed`);
if (checks.length > 0) failed = true;

// The dashboard's production build first: the browser tests and the browser benchmark's smoke
// test (in vitest) serve it.
const built = browserReason ? false : run("npx", ["next", "build"]) === 0;
if (!browserReason && !built) failed = true;

const vitestJson = path.join(OUT, "vitest.json");
const vitestStatus = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
if (vitestStatus !== 0) failed = true;
type VitestReport = { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
if (!count<VitestReport>(vitestJson, (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }))) {
  failed = true;
}

if (built) {
  const playwrightJson = path.join(OUT, "playwright.json");
  const status = run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
  if (status !== 0) failed = true;
  type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  if (!count<PlaywrightReport>(playwrightJson, (r) => ({ passed: r.stats.expected, failed: r.stats.unexpected + r.stats.flaky, skipped: r.stats.skipped }))) {
    failed = true;
  }
}

console.log("");
for (const c of checks) console.log(`FAILED npm run ${c.name}`);
for (const s of skipped) console.log(`SKIPPED ${s}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed || totals.failed > 0 ? 1 : 0);
