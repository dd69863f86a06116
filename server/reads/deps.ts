import type { PrismaClient } from "../db/generated/client";

/**
 * What reads run on. Reads go through Prisma: they are off the hot path, and Prisma's typed
 * queries (with `select` objects) keep columns from leaking by accident. The scheduler's locked
 * writes use SQL on the driver (server/db/sql.ts) instead, where Prisma's 0.5–1 ms per statement
 * counts; a read that needs a query Prisma cannot express uses `prisma.$queryRaw`.
 */
export interface ReadDeps {
  prisma: PrismaClient;
}
