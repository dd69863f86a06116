// Migrations for prisma/schema.prisma, generated offline with Prisma's schema engine (wasm).
//
//   npm run db:migration -- <name>   writes prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql
//                                    holding the SQL from the existing migrations to schema.prisma
//                                    (nothing is written when they already match)
//   npm run db:check                 exits 1 when schema.prisma has changes without a migration
//
// The folders are in Prisma's own format, so `prisma migrate deploy` could apply them too; the
// server applies them itself at start-up (server/db/migrate.ts). Run with tsx.
import fs from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR, MIGRATION_LOCK_CONTENT, MIGRATION_LOCK_FILE, REPO_ROOT, diffMigrationsToSchema, readMigrationsFolder } from "./schemaEngine";

function usage(): never {
  console.error(
    "usage: tsx scripts/migrations.ts create <name>   (npm run db:migration -- <name>)\n" +
      "       tsx scripts/migrations.ts check           (npm run db:check)",
  );
  process.exit(2);
}

/** YYYYMMDDHHMMSS in UTC, like Prisma. */
function timestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return p(d.getUTCFullYear(), 4) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds());
}

/** Prisma's rule: anything but [A-Za-z0-9_] becomes "_"; at most 200 characters. */
function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 200);
}

async function ensureLockfile(): Promise<void> {
  const file = path.join(MIGRATIONS_DIR, MIGRATION_LOCK_FILE);
  try {
    const content = await fs.readFile(file, "utf8");
    if (!/provider\s*=\s*"postgresql"/.test(content)) {
      throw new Error(`${file} does not say provider = "postgresql"; Lineage's migrations are PostgreSQL's.`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await fs.writeFile(file, MIGRATION_LOCK_CONTENT);
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
}

async function create(rawName: string | undefined): Promise<void> {
  const name = sanitizeName(rawName ?? "");
  if (!name) usage();
  await fs.mkdir(MIGRATIONS_DIR, { recursive: true });
  await ensureLockfile();

  const existing = await readMigrationsFolder(MIGRATIONS_DIR);
  const sql = await diffMigrationsToSchema({ migrationsDir: MIGRATIONS_DIR, migrations: existing });
  if (!sql) {
    console.log("prisma/schema.prisma matches the migrations already: no migration written.");
    return;
  }

  // A new migration must sort after every existing one (clock skew, two in the same second).
  let when = new Date();
  const last = existing.at(-1)?.name.slice(0, 14);
  while (last && /^\d{14}$/.test(last) && timestamp(when) <= last) when = new Date(when.getTime() + 1000);
  const folder = `${timestamp(when)}_${name}`;
  const dir = path.join(MIGRATIONS_DIR, folder);
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, "migration.sql"), sql);
  console.log(`wrote ${path.relative(REPO_ROOT, path.join(dir, "migration.sql"))}`);
  const destructive = /\b(DROP|ALTER COLUMN .* TYPE|SET NOT NULL)\b/i.test(sql);
  if (destructive) {
    console.log("note: this migration drops or narrows something; review it before committing.");
  }
}

async function check(): Promise<void> {
  const sql = await diffMigrationsToSchema();
  if (sql) {
    console.error("prisma/schema.prisma has changes that no migration holds. Run `npm run db:migration -- <name>`.\n" + "The missing SQL:\n\n" + sql);
    process.exit(1);
  }
  console.log("prisma/migrations matches prisma/schema.prisma.");
}

const [command, arg] = process.argv.slice(2);
try {
  if (command === "create") await create(arg);
  else if (command === "check") await check();
  else usage();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
