// The hyperparameter schedules' data: every hyperparameter (the explored ones first), each
// member's values against generation, the share of each value per generation for `choice`
// parameters, and the traced lineage's schedule. Pure and unit-tested.
import type { ExperimentConfig, JobNode } from "./types";

export interface ScheduleSpec {
  name: string;
  kind: string;
  explored: boolean;
  log: boolean;
  /** A choice parameter's values (as JSON), in the order of its list. */
  categories: string[] | null;
  /** [low, high] of a bounded distribution, to fix the axis. */
  bounds: [number, number] | null;
}

export function scheduleSpecs(config: ExperimentConfig): ScheduleSpec[] {
  return Object.entries(config.hyperparameters)
    .map(([name, spec]) => {
      const init = spec.init as { kind: string; low?: number; high?: number; values?: unknown[] };
      return {
        name,
        kind: init.kind,
        explored: spec.explore !== undefined,
        log: init.kind === "loguniform",
        categories: init.kind === "choice" ? (init.values ?? []).map((v) => JSON.stringify(v)) : null,
        bounds: typeof init.low === "number" && typeof init.high === "number" ? ([init.low, init.high] as [number, number]) : null,
      };
    })
    .sort((a, b) => Number(b.explored) - Number(a.explored) || a.name.localeCompare(b.name));
}

export interface SchedulePoint {
  jobId: number;
  generation: number;
  value: number;
}

/** A hyperparameter's value as a number on its axis: a choice's index in its list. */
export function numericValue(spec: ScheduleSpec, value: unknown): number | null {
  if (spec.categories) {
    const i = spec.categories.indexOf(JSON.stringify(value));
    return i >= 0 ? i : null;
  }
  return typeof value === "number" && Number.isFinite(value) && (!spec.log || value > 0) ? value : null;
}

/** Jobs drawn: not pruned (never run), the latest attempt of a generation. */
function shownJobs(jobs: readonly JobNode[]): JobNode[] {
  const latest = new Map<string, JobNode>();
  for (const j of jobs) {
    if (j.status === "pruned") continue;
    const key = `${j.member}/${j.generation}/${j.parentId}`;
    const current = latest.get(key);
    if (!current || j.id > current.id) latest.set(key, j);
  }
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

/** Each member's values in the order it trained (a copy behind it goes back in generation). */
export function memberSchedules(jobs: readonly JobNode[], spec: ScheduleSpec): { member: number; points: SchedulePoint[] }[] {
  const byMember = new Map<number, SchedulePoint[]>();
  for (const job of shownJobs(jobs)) {
    const value = numericValue(spec, job.hyperparameters[spec.name]);
    if (value === null) continue;
    let list = byMember.get(job.member);
    if (!list) byMember.set(job.member, (list = []));
    list.push({ jobId: job.id, generation: job.generation, value });
  }
  return [...byMember.entries()].sort(([a], [b]) => a - b).map(([member, points]) => ({ member, points }));
}

/** For a choice parameter: per generation, the share of the jobs holding each value (by index). */
export function choiceShares(jobs: readonly JobNode[], spec: ScheduleSpec): Map<number, number[]> {
  const counts = new Map<number, number[]>();
  const n = spec.categories?.length ?? 0;
  for (const job of shownJobs(jobs)) {
    const i = numericValue(spec, job.hyperparameters[spec.name]);
    if (i === null) continue;
    let row = counts.get(job.generation);
    if (!row) counts.set(job.generation, (row = new Array<number>(n).fill(0)));
    row[i]!++;
  }
  for (const row of counts.values()) {
    const total = row.reduce((a, b) => a + b, 0);
    for (let i = 0; i < row.length; i++) row[i] = total > 0 ? row[i]! / total : 0;
  }
  return counts;
}

/** The schedule of a lineage: the values along its jobs (given root first). */
export function lineageSchedule(jobIds: readonly number[], byId: Map<number, JobNode>, spec: ScheduleSpec): SchedulePoint[] {
  return jobIds.flatMap((id) => {
    const job = byId.get(id);
    const value = job ? numericValue(spec, job.hyperparameters[spec.name]) : null;
    return job && value !== null ? [{ jobId: id, generation: job.generation, value }] : [];
  });
}
