// Where the repository's prisma/ folder is, found from this file's location rather than
// process.cwd(), so the server finds its migrations whatever directory it was started from.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findRepoRoot(): string {
  const override = process.env.LINEAGE_REPO_ROOT;
  if (override) return path.resolve(override);
  // Walk up from this file (server/db/ in the source tree; somewhere deeper if a bundler moved
  // it) to the first folder holding prisma/schema.prisma; then, as a last resort, from the cwd.
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (;;) {
      if (fs.existsSync(path.join(dir, "prisma", "schema.prisma"))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  // The source layout: server/db/paths.ts -> the repo root two levels up.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** The repository root (holding prisma/); LINEAGE_REPO_ROOT overrides it. */
export const REPO_ROOT = findRepoRoot();
export const SCHEMA_PATH = path.join(REPO_ROOT, "prisma", "schema.prisma");
export const MIGRATIONS_DIR = path.join(REPO_ROOT, "prisma", "migrations");
