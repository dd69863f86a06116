// The lease reaper: a running job whose lease ran out is marked crashed and queued again. Safe to
// run in every server process at once: each job is re-checked under its locks.
import { crashJob } from "./crash";
import { withExperiment } from "./experimentLock";
import type { SchedulerDeps } from "./deps";

export async function reapExpiredLeases(deps: SchedulerDeps, limit = 200): Promise<number> {
  const now = deps.now();
  const expired = await deps.prisma.job.findMany({
    where: { status: "running", leaseExpiresAt: { lt: now } },
    select: { id: true, experimentId: true },
    orderBy: { leaseExpiresAt: "asc" },
    take: limit,
  });
  let reaped = 0;
  for (const { id, experimentId } of expired) {
    const crashed = await withExperiment(deps, { id: experimentId }, async (tx, experiment, log, at) => {
      const rows = await tx.query<{ status: string; leaseExpiresAt: Date | null; heartbeatAt: Date | null; workerId: string | null }>`
        SELECT status, "leaseExpiresAt", "heartbeatAt", "workerId" FROM "Job" WHERE id = ${id} FOR UPDATE`;
      const job = rows[0];
      if (!job || job.status !== "running" || !job.leaseExpiresAt || new Date(job.leaseExpiresAt) >= at) return false;
      const last = job.heartbeatAt ? new Date(job.heartbeatAt).toISOString() : "never";
      await crashJob(tx, experiment, log, id, "lease-expired", `lease expired: no heartbeat from worker ${job.workerId ?? "?"} since ${last}`, at);
      return true;
    }).catch((error: unknown) => {
      // An experiment deleted meanwhile takes its jobs with it; anything else is worth a log line.
      if ((error as { code?: string }).code !== "experiment_not_found") console.error("lease reaper:", error);
      return false;
    });
    if (crashed) reaped++;
  }
  return reaped;
}

/** Runs the reaper every `intervalMs` until stopped. */
export function startReaper(deps: SchedulerDeps, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => reapExpiredLeases(deps)).catch((error) => console.error("lease reaper:", error));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
