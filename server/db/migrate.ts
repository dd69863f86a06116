// You probably don't need to edit this file: a schema change is a new migration
// (`npm run db:migration -- <name>`), not a change here.
//
// Applies prisma/migrations/*/migration.sql at start-up, the way `prisma migrate deploy` would
// (which cannot run here: it needs a native engine from an unreachable host). The bookkeeping is
// Prisma's own `_prisma_migrations` table, same columns and checksums, so the real
// `prisma migrate deploy` / `migrate status` accept a database migrated by this code, and the
// other way round.
//
// Differences from Prisma, on purpose:
// - Each migration runs inside one transaction together with its `_prisma_migrations` row, so a
//   failing migration leaves nothing behind (Prisma leaves a "failed" row that blocks every later
//   deploy until `prisma migrate resolve`). Consequence: a migration must not contain statements
//   that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM, its own BEGIN/COMMIT).
// - An applied migration whose migration.sql changed since is an error (Prisma's deploy ignores
//   it), and so is a database holding applied migrations this checkout does not have (a newer
//   Lineage, or another branch), as the code would not know that schema.
// On PostgreSQL several servers may start at once: the whole run holds the session-level advisory
// lock that Prisma Migrate uses too (72707369), so ours and Prisma's also exclude each other.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type pg from "pg";
import { MIGRATIONS_DIR } from "./paths";

export type DatabaseKind = "pglite" | "postgres";

/** What applyMigrations runs on: a PGlite, or a pg Pool / single pg client. */
export type MigrationTarget = PGlite | pg.Pool | pg.ClientBase;

export interface ApplyMigrationsOptions {
  /** Default: prisma/migrations in the repository. */
  migrationsDir?: string;
  /** How long to wait for another process's migration run (PostgreSQL only). Default 120 s. */
  lockTimeoutMs?: number;
  /** Progress lines ("applied 2024..._init"); default: silent. */
  log?: (message: string) => void;
}

export interface ApplyMigrationsResult {
  /** The migrations applied by this call, in order (empty when the database was up to date). */
  applied: string[];
}

export interface MigrationOnDisk {
  /** The folder name, e.g. 20250101120000_init. */
  name: string;
  /** The content of its migration.sql. */
  sql: string;
  /** Prisma's checksum of the file: SHA-256 of its bytes, lower-case hex. */
  checksum: string;
}

/** Prisma Migrate's advisory lock key (prisma-engines, postgres connector). */
export const PRISMA_MIGRATE_ADVISORY_LOCK = 72707369;

/** Prisma's DDL for its bookkeeping table on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function migrationChecksum(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * Does `checksum` (from the database) match this file? Like Prisma: the file as it is, or with
 * its line endings switched between LF and CRLF (git may convert them on checkout).
 */
export function checksumMatches(sql: string, checksum: string): boolean {
  const want = checksum.toLowerCase();
  return [sql, sql.replace(/\r\n/g, "\n"), sql.replace(/\r?\n/g, "\r\n")].some((variant) => migrationChecksum(variant) === want);
}

/** The migrations in `dir` (folders holding a migration.sql), sorted by name. */
export async function readMigrationsFolder(dir: string = MIGRATIONS_DIR): Promise<MigrationOnDisk[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: MigrationOnDisk[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path.join(dir, entry.name, "migration.sql"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    out.push({ name: entry.name, sql: bytes.toString("utf8"), checksum: migrationChecksum(bytes) });
  }
  // Plain code-unit order, like Prisma (names start with a fixed-width UTC timestamp).
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One connection's worth of SQL, whatever the driver. */
interface Conn {
  /** One statement with $1.. parameters. */
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** A script of any number of statements, no parameters. */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Conn) => Promise<T>): Promise<T>;
}

function pgliteConn(db: PGlite | PGliteTransaction): Conn {
  return {
    query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (fn) => {
      if (!("transaction" in db)) throw new Error("nested transaction");
      return db.transaction((tx) => fn(pgliteConn(tx)));
    },
  };
}

function pgConn(client: pg.ClientBase): Conn {
  const conn: Conn = {
    query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params as unknown[] | undefined)).rows as R[],
    exec: async (sql) => {
      // Without parameters pg uses the simple query protocol, which runs multi-statement scripts.
      await client.query(sql);
    },
    transaction: async (fn) => {
      await client.query("BEGIN");
      try {
        const result = await fn(conn);
        await client.query("COMMIT");
        return result;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      }
    },
  };
  return conn;
}

function isPool(target: MigrationTarget): target is pg.Pool {
  return typeof (target as pg.Pool).connect === "function" && "totalCount" in target;
}

/**
 * Applies every migration in prisma/migrations that the database does not have yet, in name
 * order, each in its own transaction with its `_prisma_migrations` row. Idempotent; safe to call
 * from several processes at once on one PostgreSQL database. Throws (and applies nothing more)
 * when an applied migration's file changed, when the database has migrations this checkout lacks,
 * or when Prisma's table shows a failed migration.
 */
export async function applyMigrations(target: MigrationTarget, kind: DatabaseKind, options: ApplyMigrationsOptions = {}): Promise<ApplyMigrationsResult> {
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const onDisk = await readMigrationsFolder(migrationsDir);
  if (onDisk.length === 0) {
    throw new Error(`No migrations found in ${migrationsDir}; the database cannot be set up.`);
  }

  if (kind === "pglite") {
    // One PGlite per process and data folder (see client.ts): no other writer to exclude.
    return run(pgliteConn(target as PGlite), onDisk, options);
  }

  const client = isPool(target) ? await target.connect() : (target as pg.ClientBase);
  let broken = false;
  try {
    const conn = pgConn(client);
    await acquireAdvisoryLock(conn, options.lockTimeoutMs ?? 120_000);
    try {
      return await run(conn, onDisk, options);
    } finally {
      await conn.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_ADVISORY_LOCK]).catch(() => (broken = true)); // closing the connection releases it anyway
    }
  } finally {
    if (isPool(target)) (client as pg.PoolClient).release(broken);
  }
}

async function acquireAdvisoryLock(conn: Conn, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await conn.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [PRISMA_MIGRATE_ADVISORY_LOCK]);
    if (row?.locked) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for the migration lock (pg_advisory_lock(${PRISMA_MIGRATE_ADVISORY_LOCK})): ` +
          "another Lineage server or `prisma migrate` is migrating this database, or is stuck holding the lock.",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 150));
  }
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | string | null;
  rolled_back_at: Date | string | null;
  logs: string | null;
}

async function run(conn: Conn, onDisk: MigrationOnDisk[], options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  await conn.exec(CREATE_MIGRATIONS_TABLE);
  const rows = await conn.query<MigrationRow>(
    `SELECT "id", "checksum", "migration_name", "finished_at", "rolled_back_at", "logs"
       FROM "_prisma_migrations" ORDER BY "started_at", "migration_name"`,
  );
  const live = rows.filter((r) => r.rolled_back_at === null);

  const failed = live.filter((r) => r.finished_at === null);
  if (failed.length > 0) {
    const names = failed.map((r) => r.migration_name).join(", ");
    throw new Error(
      `The database has failed migrations (${names}) in _prisma_migrations, left by \`prisma migrate\`. ` +
        "Fix the database by hand, then mark them with `prisma migrate resolve --applied|--rolled-back <name>`.",
    );
  }

  const byName = new Map(onDisk.map((m) => [m.name, m]));
  const unknown = live.filter((r) => !byName.has(r.migration_name)).map((r) => r.migration_name);
  if (unknown.length > 0) {
    throw new Error(
      `The database has migrations that prisma/migrations does not (${unknown.join(", ")}): it was set up by ` +
        "a newer or different version of Lineage. Use that version, or another database / data folder.",
    );
  }
  const applied = new Set<string>();
  for (const row of live) {
    const file = byName.get(row.migration_name)!;
    if (!checksumMatches(file.sql, row.checksum)) {
      throw new Error(
        `Migration ${row.migration_name} was changed after it was applied to this database ` +
          `(checksum in _prisma_migrations ${row.checksum}, file ${file.checksum}). Applied migrations must not be ` +
          "edited: restore the file and put the change in a new migration (npm run db:migration -- <name>).",
      );
    }
    applied.add(row.migration_name);
  }

  const done: string[] = [];
  for (const migration of onDisk) {
    if (applied.has(migration.name)) continue;
    const startedAt = new Date();
    try {
      await conn.transaction(async (tx) => {
        await tx.exec(migration.sql);
        await tx.query(
          `INSERT INTO "_prisma_migrations"
             ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count")
           VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
          [randomUUID(), migration.checksum, migration.name, startedAt],
        );
      });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const err = new Error(`Migration ${migration.name} failed and was rolled back: ${reason}`);
      (err as Error & { cause?: unknown }).cause = e;
      throw err;
    }
    done.push(migration.name);
    options.log?.(`applied migration ${migration.name}`);
  }
  return { applied: done };
}
