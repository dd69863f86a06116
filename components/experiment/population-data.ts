// Derived views of the overview: the job shown per (member, generation), hyperparameter series.
import type { JobNode, Overview } from "./types";

/**
 * The job that stands for each (member, generation): the latest one, crashed or not (a retry, or a
 * member that came back to a generation after copying a donor behind it).
 */
export function cellJobs(jobs: JobNode[]): JobNode[] {
  const cells = new Map<string, JobNode>();
  for (const job of jobs) {
    if (job.status === "pruned") continue;
    const key = `${job.member}/${job.generation}`;
    const current = cells.get(key);
    if (!current || job.id > current.id) cells.set(key, job);
  }
  return [...cells.values()];
}

export function exploredHyperparameters(overview: Overview): string[] {
  const hps = overview.experiment.config.hyperparameters;
  const names = Object.keys(hps).sort();
  const explored = names.filter((n) => hps[n]!.explore !== undefined);
  return explored.length > 0 ? explored : names;
}
