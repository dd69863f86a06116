import type { PrismaClient } from "../db/generated/client";
import type { Sql, SqlQueryable } from "../db/sql";
import type { Bus } from "../realtime/bus";
import type { CheckpointStore } from "../checkpoints/store";

/** What the scheduler runs on: the database, the bus it announces changes on, and a clock. */
export interface SchedulerDeps {
  prisma: PrismaClient;
  /** The same database on the driver directly: the scheduler's transactions run on it (server/db/sql.ts). */
  sql: Sql;
  bus: Bus;
  /** Where uploaded checkpoints are kept (server/checkpoints). */
  checkpoints: CheckpointStore;
  /** The clock; tests move it to expire leases without waiting. */
  now: () => Date;
}

/** A statement runner inside the scheduler's transaction. */
export type Tx = SqlQueryable;
