// What opening a database gives (client.ts opens one: pglite.ts or postgres.ts), and what the two
// kinds share.
import { PrismaClient, Prisma } from "./generated/client";
import type { DatabaseKind } from "./migrate";
import type { Sql } from "./sql";

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

export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

/** Runs the migrations, naming the database in any error. */
export async function migrate(location: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    const wrapped = new Error(`Setting up ${location} failed: ${e instanceof Error ? e.message : String(e)}`);
    (wrapped as Error & { cause?: unknown }).cause = e;
    throw wrapped;
  }
}
