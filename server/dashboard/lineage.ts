// Lineage of jobs: the best job of an experiment and its chain of parents back to generation 0.
import type { Objective } from "../pbt/exploit";
import { ancestry, bestJob, type ScheduleJob } from "../pbt/schedule";

export interface BestLineage {
  jobId: number;
  member: number;
  generation: number;
  score: number;
  /** Job ids from generation 0 to the best job. */
  jobIds: number[];
}

type LineageJob = Pick<ScheduleJob, "id" | "member" | "generation" | "status" | "score" | "parentId">;

export function bestLineage(jobs: LineageJob[], objective: Objective): BestLineage | null {
  const best = bestJob(jobs as ScheduleJob[], objective);
  if (!best) return null;
  const chain = ancestry(best.id, new Map(jobs.map((j) => [j.id, j])));
  return { jobId: best.id, member: best.member, generation: best.generation, score: best.score!, jobIds: chain.map((j) => j.id) };
}
