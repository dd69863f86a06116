// Opening Lineage's database: embedded PGlite (default, data in a folder) or PostgreSQL (a URL).
// Either way the caller gets a PrismaClient from the generated client (server/db/generated) over a
// driver adapter, with every migration in prisma/migrations applied.
//
//   const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: ".lineage/db" });
//   await db.prisma.experiment.findMany();
//   await db.close();
//
// Notes for users of db.prisma:
// - Interactive transactions (`prisma.$transaction(async (tx) => ...)`) and raw SQL with row
//   locks work on both kinds. The scheduler locks the experiment's row (`SELECT ... FOR UPDATE`,
//   server/scheduler/experimentLock.ts) and never claims jobs with `SKIP LOCKED`; only the
//   raw-database baseline of bench/scheduler.ts does.
// - PGlite is a single connection: its transactions run one at a time, and any query issued
//   outside a running interactive transaction waits until that transaction ends. So inside
//   `$transaction(async (tx) => ...)` use `tx` only; a query on `db.prisma` from within the
//   callback waits for the transaction that is waiting for it (until the transaction timeout).
// - Defaults for interactive transactions are raised from Prisma's 2 s / 5 s to
//   maxWait 10 s / timeout 15 s, as PGlite queues transactions behind each other.
// - Call db.close(), not prisma.$disconnect(): close() also ends the pool / PGlite.
import type { PrismaClient } from "./generated/client";
import { Prisma } from "./generated/client";
import type { DatabaseKind } from "./migrate";
import type { Sql } from "./sql";
import { openPGlite } from "./pglite";
import { openPostgres } from "./postgres";
import type { Database, OpenDatabaseOptions } from "./database";

export type { PrismaClient };
export type { Experiment, Job, MetricPoint, Event } from "./generated/client";
export { Prisma };
export type { DatabaseKind, Sql };
export type { Database, OpenDatabaseOptions, TransactionClient } from "./database";
export { describePostgresUrl } from "./postgres";

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts);
  if (opts.dataDir) return openPGlite(opts.dataDir, opts);
  throw new Error("openDatabase needs either a PostgreSQL url or a PGlite dataDir.");
}
