// Test helpers for running the same tests on PGlite and on PostgreSQL.
//
// PostgreSQL comes from LINEAGE_TEST_POSTGRES_URL, a URL whose role may CREATE DATABASE, e.g.
//   LINEAGE_TEST_POSTGRES_URL=postgresql://lineage:lineage@127.0.0.1:5432/postgres npx vitest run
// Each test database is a new `lineage_test_<time>_<random>` database on that server, dropped on
// close. Without the variable (or when that server cannot be reached) PostgreSQL tests are
// skipped with a warning, except under CI=true, where that is an error.
//
// Usage in a test file (vitest):
//
//   import { describeEachDatabase, createTestDatabase } from "@/server/testing/databases";
//
//   describeEachDatabase("job claims", (kind) => {
//     let db: Awaited<ReturnType<typeof createTestDatabase>>;
//     beforeAll(async () => { db = await createTestDatabase(kind); });
//     afterAll(async () => { await db?.close(); });
//     it("...", async () => { await db.prisma.experiment.create(...) });
//   });
//
// describeEachDatabase is synchronous: this module finds out which databases are available
// with a top-level await when it is imported (vitest supports top-level await in test files
// and their imports), so the describes are registered during collection as usual.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";
import { openDatabase, describePostgresUrl, type Database } from "../db/client";
import type { DatabaseKind } from "../db/migrate";

export type { DatabaseKind };

export const TEST_POSTGRES_URL_VAR = "LINEAGE_TEST_POSTGRES_URL";

interface Availability {
  kinds: DatabaseKind[];
  skipped: { kind: DatabaseKind; reason: string }[];
}

function isCI(): boolean {
  const ci = process.env.CI;
  return !!ci && ci !== "false" && ci !== "0";
}

async function probe(): Promise<Availability> {
  const url = process.env[TEST_POSTGRES_URL_VAR];
  if (!url) {
    return { kinds: ["pglite"], skipped: [{ kind: "postgres", reason: `${TEST_POSTGRES_URL_VAR} is not set` }] };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { kinds: ["pglite", "postgres"], skipped: [] };
  } catch (e) {
    const err = e as Error & { errors?: Error[]; code?: string };
    const reason = err.message || err.errors?.map((x) => x.message).join("; ") || err.code || String(e);
    return {
      kinds: ["pglite"],
      skipped: [{ kind: "postgres", reason: `PostgreSQL at ${describePostgresUrl(url)} is unreachable: ${reason}` }],
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

let probing: Promise<Availability> | undefined;

function ciError(skipped: Availability["skipped"]): Error {
  return new Error(
    `CI=true but these databases cannot be tested: ${skipped.map((s) => `${s.kind} (${s.reason})`).join(", ")}. ` +
      `CI must start PostgreSQL and set ${TEST_POSTGRES_URL_VAR}.`,
  );
}

/**
 * Which kinds this run can test; postgres only when LINEAGE_TEST_POSTGRES_URL is set and
 * reachable. With CI=true a missing PostgreSQL is an error (this rejects), not a skip.
 */
export async function availableDatabaseKinds(): Promise<Availability> {
  probing ??= probe();
  const result = await probing;
  if (isCI() && result.skipped.length > 0) throw ciError(result.skipped);
  return { kinds: [...result.kinds], skipped: [...result.skipped] };
}

// Found out once per test file (vitest evaluates modules per file), when this module is imported.
probing ??= probe();
const availability: Availability = await probing;
let warned = false;

/**
 * Runs `fn(kind)` inside `describe(\`${title} [${kind}]\`)` for each available kind. A skipped
 * kind gets a `describe.skip` whose title carries the reason, and the reason is printed once per
 * test file. Under CI=true a skipped kind throws instead, failing the test file.
 */
export function describeEachDatabase(title: string, fn: (kind: DatabaseKind) => void): void {
  if (isCI() && availability.skipped.length > 0) throw ciError(availability.skipped);
  for (const kind of availability.kinds) {
    describe(`${title} [${kind}]`, () => fn(kind));
  }
  for (const { kind, reason } of availability.skipped) {
    if (!warned) {
      warned = true;
      console.warn(`[db tests] skipping ${kind} tests: ${reason}`);
    }
    describe.skip(`${title} [${kind}] (skipped: ${reason})`, () => {
      it(`needs ${kind}`, () => {});
    });
  }
}

/** A suite that needs PostgreSQL itself (e.g. several server processes on one database). */
export function describeOnPostgres(title: string, fn: () => void): void {
  if (isCI() && availability.skipped.length > 0) throw ciError(availability.skipped);
  if (availability.kinds.includes("postgres")) {
    describe(`${title} [postgres]`, fn);
    return;
  }
  const reason = availability.skipped.find((s) => s.kind === "postgres")?.reason ?? "unavailable";
  if (!warned) {
    warned = true;
    console.warn(`[db tests] skipping postgres tests: ${reason}`);
  }
  describe.skip(`${title} [postgres] (skipped: ${reason})`, () => {
    it("needs postgres", () => {});
  });
}

/** A dump of a freshly migrated in-memory PGlite, to start later ones faster (~0.7 s vs ~3 s). */
let pgliteTemplate: Promise<Blob> | undefined;

async function migratedPGliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const { applyMigrations } = await import("../db/migrate");
    const db = new PGlite();
    try {
      await db.waitReady;
      await applyMigrations(db, "pglite");
      return await db.dumpDataDir("none");
    } finally {
      await db.close();
    }
  })();
  pgliteTemplate.catch(() => (pgliteTemplate = undefined));
  return pgliteTemplate;
}

/**
 * A fresh, migrated, empty database: PGlite in memory, or a new PostgreSQL database
 * (CREATE DATABASE lineage_test_<...>) dropped on close. Returns its url for postgres so other
 * processes (a spawned server) can use it.
 */
export async function createTestDatabase(kind: DatabaseKind): Promise<Database & { url?: string }> {
  if (kind === "pglite") {
    return openDatabase({ dataDir: "memory://", pgliteLoadDataDir: await migratedPGliteTemplate() });
  }
  const created = await createPostgresDatabase();
  let db: Database;
  try {
    db = await openDatabase({ url: created.url, poolSize: 5 });
  } catch (e) {
    await created.drop().catch(() => undefined);
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    ...db,
    url: created.url,
    close: () =>
      (closing ??= (async () => {
        try {
          await db.close();
        } finally {
          await created.drop();
        }
      })()),
  };
}

function adminUrl(): string {
  const url = process.env[TEST_POSTGRES_URL_VAR];
  if (!url) throw new Error(`${TEST_POSTGRES_URL_VAR} is not set: no PostgreSQL to create a test database on.`);
  return url;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = adminUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    const err = e as Error & { errors?: Error[] };
    throw new Error(
      `Cannot connect to PostgreSQL at ${describePostgresUrl(url)} (${TEST_POSTGRES_URL_VAR}): ` +
        (err.message || err.errors?.map((x) => x.message).join("; ") || String(e)),
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const TEST_DB_PREFIX = "lineage_test_";
let swept = false;

/** Drops test databases left by crashed runs more than a day ago (names carry their time). */
async function sweepOldTestDatabases(client: pg.Client): Promise<void> {
  if (swept) return;
  swept = true;
  const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${TEST_DB_PREFIX}%`]);
  const dayAgo = Math.floor(Date.now() / 1000) - 24 * 3600;
  for (const { datname } of rows) {
    const created = Number(/^lineage_test_(\d+)_/.exec(datname)?.[1]);
    if (Number.isFinite(created) && created < dayAgo) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
    }
  }
}

/** A fresh empty PostgreSQL database for a spawned server process: { url, drop() }. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString("hex")}`;
  await withAdmin(async (client) => {
    await sweepOldTestDatabases(client).catch(() => undefined);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: u.toString(),
    drop: () =>
      (dropping ??= withAdmin(async (client) => {
        // WITH (FORCE) (PostgreSQL 13+) ends connections a killed server process left open. It
        // is refused while a backend of another role (e.g. autovacuum) is on the database: try
        // again shortly, and in the end leave the database to the sweep of old test databases
        // rather than fail the run that used it.
        for (let attempt = 0; ; attempt++) {
          try {
            await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
            return;
          } catch (error) {
            if (attempt >= 10) {
              console.warn(`[db tests] could not drop ${name} (${(error as Error).message}); a later run sweeps it`);
              return;
            }
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      })),
  };
}
