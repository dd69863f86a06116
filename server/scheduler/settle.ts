import { decideNext } from "../pbt/decide";
import { reachesTarget } from "../pbt/stopping";
import type { EventLog, LockedExperiment } from "./experimentLock";
import { pruneQueued, type JobRow } from "./jobRows";
import { loadPopulation } from "./population";
import type { Tx } from "./deps";

/** Marks the experiment done as soon as its stopping rules say so (nothing left to run, or the target reached). */
export async function settleExperiment(tx: Tx, experiment: LockedExperiment, log: EventLog) {
  if (experiment.status === "done") return;
  const decision = decideNext(await loadPopulation(tx, experiment.id, experiment.config));
  if (decision.kind === "done") await markDone(tx, experiment, log, decision.reason);
}

/**
 * Whether finishing these jobs may end the experiment, so that settling (a population read) runs
 * only then: a member's last generation, a diverged run (its member may have nobody to copy), the
 * target score, or a job budget.
 */
export function mayEndExperiment(experiment: LockedExperiment, finished: Pick<JobRow, "generation" | "score" | "diverged">[]): boolean {
  const { config } = experiment;
  if (config.stop.maxJobs !== undefined) return finished.length > 0;
  return finished.some((job) => job.generation >= config.stop.maxGenerations - 1 || job.diverged || reachesTarget(job.score, config));
}

/** Ends the experiment: no job is handed out any more, and queued ones are pruned (running ones may still report). */
export async function markDone(tx: Tx, experiment: LockedExperiment, log: EventLog, reason: string) {
  if (experiment.status === "done") return;
  const pruned = await pruneQueued(tx, experiment.id);
  if (pruned.length > 0) log.add("jobs.pruned", { data: { count: pruned.length, jobIds: pruned } });
  await tx.query`UPDATE "Experiment" SET status = 'done', "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = ${experiment.id}`;
  log.add("experiment.status", { data: { from: experiment.status, to: "done", reason } });
  experiment.status = "done";
}
