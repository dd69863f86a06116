// The best schedule: from the best finished job, walk parentId back to generation 0. The list of
// hyperparameters along that chain is the schedule PBT found; it can be exported and replayed.
import type { Hyperparameters, JobOrigin, Mutation } from "./config";
import type { Objective } from "./exploit";

export interface ScheduleJob {
  id: number;
  member: number;
  generation: number;
  status: string;
  score: number | null;
  parentId: number | null;
  origin: JobOrigin;
  hyperparameters: Hyperparameters;
  mutations: Mutation[];
}

export interface ScheduleStep {
  jobId: number;
  member: number;
  generation: number;
  origin: JobOrigin;
  score: number | null;
  hyperparameters: Hyperparameters;
  mutations: Mutation[];
}

export interface BestSchedule {
  /** The job the schedule leads to: the best one, or the job it was asked for. */
  bestJobId: number;
  /** That job's score (null while it has none). */
  score: number | null;
  /** Generation 0 first. */
  steps: ScheduleStep[];
}

/** The best finished job: highest (or lowest) score; ties go to the later generation, then the lower id. */
export function bestJob<J extends Pick<ScheduleJob, "id" | "status" | "score" | "generation">>(jobs: J[], objective: Objective): J | null {
  let best: J | null = null;
  for (const job of jobs) {
    if (job.status !== "done" || job.score === null || !Number.isFinite(job.score)) continue;
    if (best === null) {
      best = job;
      continue;
    }
    const better = objective === "maximize" ? job.score > best.score! : job.score < best.score!;
    const tie = job.score === best.score && (job.generation > best.generation || (job.generation === best.generation && job.id < best.id));
    if (better || tie) best = job;
  }
  return best;
}

/** The chain of jobs from generation 0 to `jobId`, following parentId. */
export function ancestry<J extends Pick<ScheduleJob, "id" | "parentId">>(jobId: number, jobsById: Map<number, J>): J[] {
  const chain: J[] = [];
  const seen = new Set<number>();
  let current = jobsById.get(jobId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    chain.push(current);
    current = current.parentId === null ? undefined : jobsById.get(current.parentId);
  }
  return chain.reverse();
}

export function bestSchedule(jobs: ScheduleJob[], objective: Objective): BestSchedule | null {
  const best = bestJob(jobs, objective);
  return best ? scheduleTo(best, jobs) : null;
}

/**
 * The schedule that led to `job`: its ancestry among `jobs`, generation 0 first (a forked
 * experiment's jobs continue its source's: give those too, and the schedule starts there).
 */
export function scheduleTo(job: ScheduleJob, jobs: ScheduleJob[]): BestSchedule {
  const chain = ancestry(job.id, new Map(jobs.map((j) => [j.id, j])));
  return {
    bestJobId: job.id,
    score: job.score,
    steps: chain.map((j) => ({
      jobId: j.id,
      member: j.member,
      generation: j.generation,
      origin: j.origin,
      score: j.score,
      hyperparameters: j.hyperparameters,
      mutations: j.mutations,
    })),
  };
}
