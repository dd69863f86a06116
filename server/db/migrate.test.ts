import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, migrationChecksum, readMigrationsFolder, type MigrationTarget } from "./migrate";
import { MIGRATIONS_DIR } from "./paths";
import { migrationList, withSchemaEngine, SCHEMA_PATH } from "../../scripts/schemaEngine";
import { availableDatabaseKinds, createPostgresDatabase, describeEachDatabase, type DatabaseKind } from "../testing/databases";
import { waitFor } from "../testing/waitFor";

const { kinds } = await availableDatabaseKinds();

/** A bare database of `kind` (no migrations applied), as a MigrationTarget. */
async function bareDatabase(kind: DatabaseKind): Promise<{
  target: MigrationTarget;
  url?: string;
  pglite?: PGlite;
  query<R>(sql: string): Promise<R[]>;
  close(): Promise<void>;
}> {
  if (kind === "pglite") {
    const db = new PGlite();
    await db.waitReady;
    return {
      target: db,
      pglite: db,
      query: async <R>(sql: string) => (await db.query<R>(sql)).rows,
      close: () => db.close(),
    };
  }
  const created = await createPostgresDatabase();
  const pool = new pg.Pool({ connectionString: created.url, max: 3 });
  return {
    target: pool,
    url: created.url,
    query: async <R>(sql: string) => (await pool.query(sql)).rows as R[],
    close: async () => {
      await pool.end();
      await created.drop();
    },
  };
}

/**
 * Where to point Prisma's engine. On PostgreSQL, a one-connection pool of our own, ended
 * afterwards: through a bigger pool the engine takes Prisma's advisory lock on one connection and
 * "releases" it on another, so the lock stays held until that idle connection closes.
 */
function engineDatabase(db: Awaited<ReturnType<typeof bareDatabase>>) {
  if (db.pglite) return { database: { pglite: db.pglite }, end: async () => {} };
  const pool = new pg.Pool({ connectionString: db.url!, max: 1 });
  return { database: { adapterFactory: new PrismaPg(pool) }, end: () => pool.end() };
}

/** A copy of prisma/migrations in a temp folder, to break on purpose. */
async function copyOfMigrations(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "lineage-migrations-"));
  await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

interface Row {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  started_at: Date;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

describeEachDatabase("applyMigrations", (kind) => {
  let db: Awaited<ReturnType<typeof bareDatabase>>;
  const temps: string[] = [];
  beforeAll(async () => {
    db = await bareDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });
  afterEach(async () => {
    for (const t of temps.splice(0)) await fs.rm(t, { recursive: true, force: true });
  });

  it("applies every migration to a fresh database, recorded Prisma's way", async () => {
    const onDisk = await readMigrationsFolder();
    expect(onDisk.length).toBeGreaterThan(0);
    const result = await applyMigrations(db.target, kind);
    expect(result.applied).toEqual(onDisk.map((m) => m.name));

    const rows = await db.query<Row>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(onDisk.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      const file = await fs.readFile(path.join(MIGRATIONS_DIR, onDisk[i]!.name, "migration.sql"));
      expect(row.checksum).toBe(migrationChecksum(file));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    expect(tables.map((t) => t.table_name)).toEqual(["ApiToken", "Event", "Experiment", "Job", "MetricPoint", "Session", "_prisma_migrations"]);
  });

  it("is idempotent: a second run applies nothing", async () => {
    const again = await applyMigrations(db.target, kind);
    expect(again.applied).toEqual([]);
    const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(count!.n).toBe((await readMigrationsFolder()).length);
  });

  it("Prisma's own engine (what `prisma migrate deploy` runs) sees nothing to apply", async () => {
    const schema = { path: SCHEMA_PATH, content: await fs.readFile(SCHEMA_PATH, "utf8") };
    const { database, end } = engineDatabase(db);
    const list = await migrationList();
    const { diagnosis, applied } = await withSchemaEngine(
      [schema],
      async (engine) => ({
        diagnosis: await engine.diagnoseMigrationHistory({
          migrationsList: list,
          optInToShadowDatabase: false,
          filters: { externalTables: [], externalEnums: [] },
        }),
        applied: await engine.applyMigrations({
          migrationsList: list,
          filters: { externalTables: [], externalEnums: [] },
        }),
      }),
      database,
    ).finally(end);
    expect(diagnosis.history).toBeNull();
    expect(diagnosis.editedMigrationNames).toEqual([]);
    expect(diagnosis.failedMigrationNames).toEqual([]);
    expect(diagnosis.hasMigrationsTable).toBe(true);
    expect(applied.appliedMigrationNames).toEqual([]);
  });

  it("applies a new migration after the existing ones", async () => {
    const dir = await copyOfMigrations();
    temps.push(dir);
    await fs.mkdir(path.join(dir, "29991231235959_extra"));
    await fs.writeFile(
      path.join(dir, "29991231235959_extra", "migration.sql"),
      'CREATE TABLE "Extra" ("id" INTEGER NOT NULL);\nINSERT INTO "Extra" VALUES (1), (2);\n',
    );
    const result = await applyMigrations(db.target, kind, { migrationsDir: dir });
    expect(result.applied).toEqual(["29991231235959_extra"]);
    const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "Extra"');
    expect(count!.n).toBe(2);
    // Without that folder the database now has a migration this checkout lacks: refused.
    await expect(applyMigrations(db.target, kind)).rejects.toThrow(/migrations that prisma\/migrations does not \(29991231235959_extra\)/);
    await db.query('DROP TABLE "Extra"');
    await db.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = '29991231235959_extra'`);
  });

  it("refuses when an applied migration's file was edited", async () => {
    const dir = await copyOfMigrations();
    temps.push(dir);
    const [first] = await readMigrationsFolder(dir);
    await fs.appendFile(path.join(dir, first!.name, "migration.sql"), "\n-- edited\n");
    await expect(applyMigrations(db.target, kind, { migrationsDir: dir })).rejects.toThrow(
      new RegExp(`Migration ${first!.name} was changed after it was applied`),
    );
  });

  it("accepts the file with CRLF line endings (git on Windows), like Prisma", async () => {
    const dir = await copyOfMigrations();
    temps.push(dir);
    const [first] = await readMigrationsFolder(dir);
    const file = path.join(dir, first!.name, "migration.sql");
    await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace(/\n/g, "\r\n"));
    expect((await applyMigrations(db.target, kind, { migrationsDir: dir })).applied).toEqual([]);
  });

  it("rolls a failing migration back whole and records nothing", async () => {
    const dir = await copyOfMigrations();
    temps.push(dir);
    await fs.mkdir(path.join(dir, "29991231235959_broken"));
    await fs.writeFile(path.join(dir, "29991231235959_broken", "migration.sql"), 'CREATE TABLE "Half" ("id" INTEGER);\nSELECT * FROM "NoSuchTable";\n');
    await expect(applyMigrations(db.target, kind, { migrationsDir: dir })).rejects.toThrow(
      /Migration 29991231235959_broken failed and was rolled back: .*NoSuchTable/,
    );
    const half = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'Half'");
    expect(half).toEqual([]);
    const rows = await db.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231235959_broken'`);
    expect(rows).toEqual([]);
    // And the database still works with the real folder.
    expect((await applyMigrations(db.target, kind)).applied).toEqual([]);
  });

  it("refuses a failed migration left in _prisma_migrations by `prisma migrate`", async () => {
    const [first] = await readMigrationsFolder();
    await db.query(`UPDATE "_prisma_migrations" SET finished_at = NULL, logs = 'boom' WHERE migration_name = '${first!.name}'`);
    try {
      await expect(applyMigrations(db.target, kind)).rejects.toThrow(/failed migrations \(.*\).*prisma migrate resolve/);
    } finally {
      await db.query(`UPDATE "_prisma_migrations" SET finished_at = now(), logs = NULL WHERE migration_name = '${first!.name}'`);
    }
  });
});

describeEachDatabase("the lineage-depth migration", (kind) => {
  it("renumbers the jobs of an earlier version by the depth of their lineage", async () => {
    const db = await bareDatabase(kind);
    const dir = await copyOfMigrations();
    const held = await fs.mkdtemp(path.join(os.tmpdir(), "lineage-held-migrations-"));
    try {
      // The database as the previous version left it: every migration before lineage_depth.
      const later = (await fs.readdir(dir)).filter((name) => name >= "20261130085430");
      await Promise.all(later.map((name) => fs.rename(path.join(dir, name), path.join(held, name))));
      await applyMigrations(db.target, kind, { migrationsDir: dir });
      // Member 1 counted its own jobs: its third job (generation 2) copied member 0's fourth (generation 3).
      await db.query(`INSERT INTO "Experiment" (id, name, config, "updatedAt") VALUES (1, 'old', '{"exploit":{"kind":"tournament"}}', now())`);
      await db.query(`
        INSERT INTO "Job" (id, "experimentId", member, generation, attempt, status, hyperparameters, origin, "parentId", "donorJobId") VALUES
          (1, 1, 0, 0, 0, 'done', '{}', 'initial', NULL, NULL),
          (2, 1, 1, 0, 0, 'done', '{}', 'initial', NULL, NULL),
          (3, 1, 0, 1, 0, 'done', '{}', 'continue', 1, NULL),
          (4, 1, 0, 2, 0, 'done', '{}', 'continue', 3, NULL),
          (5, 1, 1, 1, 0, 'done', '{}', 'continue', 2, NULL),
          (6, 1, 0, 3, 0, 'done', '{}', 'continue', 4, NULL),
          (7, 1, 1, 2, 0, 'crashed', '{}', 'exploit', 6, 6),
          (8, 1, 1, 2, 1, 'running', '{}', 'exploit', 6, 6);`);
      await Promise.all(later.map((name) => fs.rename(path.join(held, name), path.join(dir, name))));
      await applyMigrations(db.target, kind, { migrationsDir: dir });
      const rows = await db.query<{ id: number; generation: number; exploitReason: string | null }>(
        `SELECT id, generation, "exploitReason" FROM "Job" ORDER BY id`,
      );
      expect(rows.map((r) => [r.id, r.generation])).toEqual([
        [1, 0],
        [2, 0],
        [3, 1],
        [4, 2],
        [5, 1],
        [6, 3],
        [7, 4],
        [8, 4],
      ]);
      expect(rows.filter((r) => r.exploitReason !== null).map((r) => r.exploitReason)).toEqual(["tournament", "tournament"]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(held, { recursive: true, force: true });
      await db.close();
    }
  });
});

describeEachDatabase("a database migrated by `prisma migrate deploy`", (kind) => {
  it("is accepted as up to date", async () => {
    const db = await bareDatabase(kind);
    try {
      const schema = { path: SCHEMA_PATH, content: await fs.readFile(SCHEMA_PATH, "utf8") };
      const { database, end } = engineDatabase(db);
      const list = await migrationList();
      const deployed = await withSchemaEngine(
        [schema],
        (engine) => engine.applyMigrations({ migrationsList: list, filters: { externalTables: [], externalEnums: [] } }),
        database,
      ).finally(end);
      expect(deployed.appliedMigrationNames).toEqual((await readMigrationsFolder()).map((m) => m.name));
      expect((await applyMigrations(db.target, kind)).applied).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe.runIf(kinds.includes("postgres"))("applyMigrations from several processes at once [postgres]", () => {
  it("serializes on the advisory lock: one applies, the others find nothing to do", async () => {
    const created = await createPostgresDatabase();
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: created.url, max: 2 }));
    try {
      const results = await Promise.all(pools.map((pool) => applyMigrations(pool, "postgres")));
      const names = (await readMigrationsFolder()).map((m) => m.name);
      const appliedBy = results.filter((r) => r.applied.length > 0);
      expect(appliedBy).toHaveLength(1);
      expect(appliedBy[0]!.applied).toEqual(names);
      const { rows } = await pools[0]!.query('SELECT migration_name FROM "_prisma_migrations"');
      expect(rows.map((r) => r.migration_name).sort()).toEqual(names);
      // The lock is released afterwards.
      const { rows: locks } = await pools[0]!.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
      expect(locks[0].n).toBe(0);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await created.drop();
    }
  });

  it("waits for a lock held elsewhere, and times out clearly", async () => {
    const created = await createPostgresDatabase();
    const holder = new pg.Client({ connectionString: created.url });
    const pool = new pg.Pool({ connectionString: created.url, max: 1 });
    try {
      await holder.connect();
      await holder.query("SELECT pg_advisory_lock(72707369)");
      await expect(applyMigrations(pool, "postgres", { lockTimeoutMs: 500 })).rejects.toThrow(/Timed out after 500 ms waiting for the migration lock/);
      const pending = applyMigrations(pool, "postgres", { lockTimeoutMs: 30_000 });
      // The lock is let go only once the second call has found it taken (a try after `since`).
      const since = (await holder.query<{ t: Date }>("SELECT clock_timestamp() AS t")).rows[0]!.t;
      const tried =
        "SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND query LIKE '%pg_try_advisory_lock%' AND query_start > $1";
      await waitFor(async () => (await holder.query(tried, [since])).rowCount === 1, { what: "the second call to try the lock" });
      await holder.query("SELECT pg_advisory_unlock(72707369)");
      expect((await pending).applied.length).toBeGreaterThan(0);
    } finally {
      await holder.end();
      await pool.end();
      await created.drop();
    }
  });
});
