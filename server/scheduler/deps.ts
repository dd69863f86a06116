import type { PrismaClient, Prisma } from "../db/generated/client";
import type { Bus } from "../realtime/bus";

/** What the scheduler runs on: the database, the bus it announces changes on, and a clock. */
export interface SchedulerDeps {
  prisma: PrismaClient;
  bus: Bus;
  /** The clock; tests move it to expire leases without waiting. */
  now: () => Date;
}

export type Tx = Prisma.TransactionClient;
