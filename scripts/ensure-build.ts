// Before `npm start`: build the dashboard when there is no production build yet, or when the
// dashboard's sources changed since the last one, so a fresh clone starts with no extra step.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const BUILD_ID = path.join(ROOT, ".next", "BUILD_ID");
const SOURCES = ["app", "components", "next.config.js", "postcss.config.mjs", "package-lock.json"];

function newestChange(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(target).map((entry) => newestChange(path.join(target, entry))));
}

if (process.env.LINEAGE_UI === "off") process.exit(0);
const builtAt = existsSync(BUILD_ID) ? statSync(BUILD_ID).mtimeMs : 0;
const changedAt = Math.max(...SOURCES.map((s) => newestChange(path.join(ROOT, s))));
if (builtAt > changedAt) process.exit(0);
console.log(
  builtAt ? "The dashboard changed since its last build: building it (next build)…" : "First start: building the dashboard (next build, about a minute)…",
);
const result = spawnSync("npx", ["next", "build"], { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
