// Opening Lineage's database: embedded PGlite (default, data in a folder) or PostgreSQL (a URL).
// Either way the caller gets a PrismaClient from the generated client (server/db/generated) over a
// driver adapter, with every migration in prisma/migrations applied.
//
//   const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: ".lineage/db" });
//   await db.prisma.experiment.findMany();
//   await db.close();
//
// Notes for users of db.prisma:
// - Interactive transactions (`prisma.$transaction(async (tx) => ...)`) and raw SQL such as
//   `tx.$queryRaw\`SELECT ... FOR UPDATE SKIP LOCKED\`` work on both kinds.
// - PGlite is a single connection: its transactions run one at a time, and any query issued
//   outside a running interactive transaction waits until that transaction ends. So inside
//   `$transaction(async (tx) => ...)` use `tx` only; a query on `db.prisma` from within the
//   callback waits for the transaction that is waiting for it (until the transaction timeout).
// - Defaults for interactive transactions are raised from Prisma's 2 s / 5 s to
//   maxWait 10 s / timeout 15 s, as PGlite queues transactions behind each other.
// - Call db.close(), not prisma.$disconnect(): close() also ends the pool / PGlite.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, Prisma } from "./generated/client";
import { applyMigrations, type DatabaseKind } from "./migrate";
import { pgliteSql, postgresSql, type Sql } from "./sql";

export type { PrismaClient };
export type { Experiment, Job, MetricPoint, Event } from "./generated/client";
export { Prisma };
export type { DatabaseKind, Sql };

/** The client inside `prisma.$transaction(async (tx) => ...)`. */
export type TransactionClient = Prisma.TransactionClient;

export interface Database {
  prisma: PrismaClient;
  /** The same database without Prisma, for the scheduler's hot path (server/db/sql.ts). */
  sql: Sql;
  kind: DatabaseKind;
  /** Where the data is, for logs: "PGlite in /abs/dir" or "PostgreSQL at host:port/db". No password. */
  location: string;
  /** Disconnects Prisma and ends the pool / PGlite. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgresql://user:password@host:port/database — when set (non-empty), PostgreSQL is used. */
  url?: string;
  /** PGlite data folder (created if missing); "memory://" for an in-memory database. */
  dataDir?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Progress lines, e.g. "applied migration 2024..._init". Default: silent. */
  log?: (message: string) => void;
  /** @internal tests: start an in-memory PGlite from this dump (PGlite's dumpDataDir()). */
  pgliteLoadDataDir?: Blob;
}

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts);
  if (opts.dataDir) return openPGlite(opts.dataDir, opts);
  throw new Error("openDatabase needs either a PostgreSQL url or a PGlite dataDir.");
}

/** Runs the migrations, naming the database in any error. */
async function migrate(location: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    const wrapped = new Error(`Setting up ${location} failed: ${e instanceof Error ? e.message : String(e)}`);
    (wrapped as Error & { cause?: unknown }).cause = e;
    throw wrapped;
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** "host:port/database (user u)" from a connection URL, for messages. Never includes the password. */
export function describePostgresUrl(url: string): string {
  const u = safeUrl(url);
  if (!u) return "(an unparseable URL)";
  const host = u.searchParams.get("host") ?? (u.hostname || "localhost");
  const port = u.searchParams.get("port") ?? (u.port || "5432");
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "(default)";
  const user = u.username ? ` as user "${decodeURIComponent(u.username)}"` : "";
  return `${host}:${port}/${database}${user}`;
}

function connectionFailure(url: string, e: unknown): Error {
  const err = e as Error & { code?: string; errors?: Error[] };
  let reason = err?.message ?? String(e);
  // Node's happy-eyeballs connect (e.g. "localhost" = ::1 and 127.0.0.1) fails with an
  // AggregateError whose own message is empty.
  if (!reason && Array.isArray(err?.errors)) reason = err.errors.map((x) => x.message).join("; ");
  if (!reason) reason = err?.code ?? "unknown error";
  const hints: Record<string, string> = {
    ECONNREFUSED: " (is PostgreSQL running and listening on that host and port?)",
    ENOTFOUND: " (unknown host name)",
    "28P01": " (wrong user name or password)",
    "3D000": " (create the database first)",
  };
  const hint = (err?.code && hints[err.code]) ?? "";
  const wrapped = new Error(`Cannot connect to PostgreSQL at ${describePostgresUrl(url)}: ${reason}${hint}`);
  (wrapped as Error & { cause?: unknown }).cause = e;
  return wrapped;
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<Database> {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(`The database URL must start with postgresql:// (got "${url.split(":")[0]}:...").`);
  }
  const schema = safeUrl(url)?.searchParams.get("schema");
  if (schema && schema !== "public") {
    throw new Error(`The database URL asks for schema "${schema}": Lineage keeps its tables in "public" only.`);
  }
  const location = `PostgreSQL at ${describePostgresUrl(url)}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (server restart, network drop) must not crash the process; the pool
  // drops that client and makes a new one on demand.
  pool.on("error", (e) => console.error(`[db] idle connection to ${location} failed: ${e.message}`));

  try {
    const client = await pool.connect().catch((e: unknown) => {
      throw connectionFailure(url, e);
    });
    client.release();
    await migrate(location, () => applyMigrations(pool, "postgres", { log: opts.log }));
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }

  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    sql: postgresSql(pool),
    kind: "postgres",
    location,
    close: () =>
      (closing ??= (async () => {
        await prisma.$disconnect().catch(() => undefined);
        await pool.end();
      })()),
  };
}

// ---------------------------------------------------------------------------------------------
// PGlite

interface SharedPGlite {
  pglite: PGlite;
  prisma: PrismaClient;
  sql: Sql;
  location: string;
  release(): Promise<void>;
}

interface RegistryEntry {
  refs: number;
  ready: Promise<SharedPGlite>;
}

/**
 * One PGlite per data folder per process, shared by every openDatabase() on that folder (also
 * across Next.js dev-mode module reloads, hence globalThis). Each handle has its own close();
 * the PGlite closes with the last one.
 */
const REGISTRY_KEY = Symbol.for("lineage.db.pgliteRegistry");
const registry: Map<string, RegistryEntry> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??=
  new Map<string, RegistryEntry>()) as Map<string, RegistryEntry>;

const LOCK_FILE = "lineage.pid";

function isMemory(dataDir: string): boolean {
  return dataDir.startsWith("memory://");
}

async function openPGlite(dataDir: string, opts: OpenDatabaseOptions): Promise<Database> {
  if (isMemory(dataDir)) {
    // Every in-memory database is its own.
    const shared = await startPGlite(undefined, opts);
    return handle(shared, () => shared.release());
  }

  const dir = path.resolve(dataDir);
  let entry = registry.get(dir);
  if (!entry) {
    const ready = startPGlite(dir, opts);
    entry = { refs: 0, ready };
    registry.set(dir, entry);
    ready.catch(() => registry.delete(dir));
  }
  entry.refs++;
  const current = entry;
  let shared: SharedPGlite;
  try {
    shared = await current.ready;
  } catch (e) {
    current.refs--;
    throw e;
  }
  return handle(shared, async () => {
    if (--current.refs > 0) return;
    if (registry.get(dir) === current) registry.delete(dir);
    await shared.release();
  });
}

function handle(shared: SharedPGlite, release: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  return {
    prisma: shared.prisma,
    sql: shared.sql,
    kind: "pglite",
    location: shared.location,
    close: () => (closing ??= release()),
  };
}

/** Refuses a data folder that another live process has open (PGlite has no such guard itself). */
function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const mine = `${process.pid}\n${os.hostname()}\n${processStartTime(process.pid) ?? ""}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: "wx" });
      return () => {
        try {
          if (fs.readFileSync(file, "utf8") === mine) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let owner = NaN;
    let host = "";
    let started = "";
    try {
      const [pidLine, hostLine, startLine] = fs.readFileSync(file, "utf8").split("\n");
      owner = Number(pidLine);
      host = hostLine ?? "";
      started = startLine ?? "";
    } catch {
      continue; // removed meanwhile: try again
    }
    // Held when written on this host by another process that still runs, and (where /proc tells)
    // is the same process, not a later one that got the same pid (containers restart with the
    // same pids). A folder shared between hosts is not guarded.
    const live =
      Number.isInteger(owner) &&
      owner > 0 &&
      owner !== process.pid &&
      host === os.hostname() &&
      isAlive(owner) &&
      (!started || processStartTime(owner) === undefined || processStartTime(owner) === started);
    if (live) {
      throw new Error(
        `The PGlite data folder ${dir} is in use by process ${owner}: one database folder serves one ` +
          `Lineage server at a time. Stop that process (or, if it is not a Lineage server, delete ${file}).`,
      );
    }
    // Stale (its process is gone) or left by this very process: take it over.
    fs.rmSync(file, { force: true });
  }
  throw new Error(`Could not lock the PGlite data folder ${dir} (${file} keeps reappearing).`);
}

/** The process's start time in clock ticks since boot, from /proc (Linux); undefined elsewhere. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "pid (comm)": state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function startPGlite(dir: string | undefined, opts: OpenDatabaseOptions): Promise<SharedPGlite> {
  let unlock = () => {};
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(dir);
  }
  const location = dir ? `PGlite in ${dir}` : "PGlite in memory";
  let db: PGlite | undefined;
  try {
    try {
      db = dir ? new PGlite(dir) : new PGlite(opts.pgliteLoadDataDir ? { loadDataDir: opts.pgliteLoadDataDir } : {});
      await db.waitReady;
    } catch (e) {
      const wrapped = new Error(`Cannot open ${location}: ${e instanceof Error ? e.message : String(e)}`);
      (wrapped as Error & { cause?: unknown }).cause = e;
      throw wrapped;
    }
    const target = db;
    await migrate(location, () => applyMigrations(target, "pglite", { log: opts.log }));
  } catch (e) {
    if (db && !db.closed) await db.close().catch(() => undefined);
    unlock();
    throw e;
  }
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(db),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  const pglite = db;
  return {
    pglite,
    prisma,
    sql: pgliteSql(pglite),
    location,
    release: async () => {
      try {
        await prisma.$disconnect().catch(() => undefined);
        if (!pglite.closed) await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
