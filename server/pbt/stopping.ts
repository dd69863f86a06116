// The stopping rules besides lineage depth (`stop.maxGenerations`, which member.ts applies per
// member): a target score and a budget of jobs, which end the whole experiment.
import type { ExperimentConfig } from "./config";
import type { DoneJob, MemberState } from "./member";

/** Whether `score` reaches the target (at or above it when maximizing, at or below when minimizing). */
export function reachesTarget(score: number | null, config: Pick<ExperimentConfig, "objective" | "stop">): boolean {
  const { target } = config.stop;
  if (target === undefined || score === null || !Number.isFinite(score)) return false;
  return config.objective === "maximize" ? score >= target : score <= target;
}

/** A member's latest done job that reached the target score, or null. */
export function targetReachedBy(members: MemberState[], config: Pick<ExperimentConfig, "objective" | "stop">): DoneJob | null {
  for (const m of members) if (m.lastDone !== null && reachesTarget(m.lastDone.score, config)) return m.lastDone;
  return null;
}

/** Whether another training job may be created under `stop.maxJobs`. */
export function budgetLeft(config: Pick<ExperimentConfig, "stop">, jobsCreated: number | undefined): boolean {
  const { maxJobs } = config.stop;
  if (maxJobs === undefined) return true;
  if (jobsCreated === undefined) throw new Error("stop.maxJobs needs the number of jobs created so far");
  return jobsCreated < maxJobs;
}
