// A checksum of everything stored, to show that rejected requests changed nothing.
import { createHash } from "node:crypto";
import type { PrismaClient } from "../db/generated/client";

export async function dataChecksum(prisma: PrismaClient): Promise<string> {
  const [experiments, jobs, points, events] = await Promise.all([
    prisma.experiment.findMany({ orderBy: { id: "asc" } }),
    prisma.job.findMany({ orderBy: { id: "asc" } }),
    prisma.metricPoint.findMany({ orderBy: { id: "asc" } }),
    prisma.event.findMany({ orderBy: { id: "asc" } }),
  ]);
  const text = JSON.stringify({ experiments, jobs, points, events }, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  return createHash("sha256").update(text).digest("hex");
}
