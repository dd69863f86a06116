// Tracing a lineage: a job's ancestors back to generation 0 (through parentId, so across the
// donors it copied) and every job that descends from it. The tree, the curves and the schedules
// highlight the same set; the URL keeps the traced job (?trace=ID), and the best job is traced
// when none is chosen.

export interface LineageJob {
  id: number;
  parentId: number | null;
  generation: number;
}

export interface LineageIndex<J extends LineageJob = LineageJob> {
  byId: Map<number, J>;
  /** Job id → the ids of the jobs whose parent it is, in id order. */
  children: Map<number, number[]>;
}

export function indexLineage<J extends LineageJob>(jobs: readonly J[]): LineageIndex<J> {
  const byId = new Map<number, J>();
  const children = new Map<number, number[]>();
  for (const job of jobs) byId.set(job.id, job);
  for (const job of jobs) {
    if (job.parentId === null) continue;
    const list = children.get(job.parentId);
    if (list) list.push(job.id);
    else children.set(job.parentId, [job.id]);
  }
  for (const list of children.values()) list.sort((a, b) => a - b);
  return { byId, children };
}

export interface Trace {
  jobId: number;
  /** Generation 0 (or the oldest job at hand) first; the traced job not included. */
  ancestors: number[];
  /** Every job that has the traced job as an ancestor, in breadth-first order. */
  descendants: number[];
  /** The traced job, its ancestors and its descendants. */
  jobs: Set<number>;
}

/** The trace of `jobId`, or null when the index does not hold it. */
export function traceLineage(index: LineageIndex, jobId: number): Trace | null {
  const job = index.byId.get(jobId);
  if (!job) return null;
  const ancestors: number[] = [];
  const seen = new Set<number>([jobId]);
  for (let parent = job.parentId; parent !== null;) {
    const p = index.byId.get(parent);
    // A parent outside what the page holds (a windowed overview) ends the walk; a cycle cannot
    // happen in a lineage, but a corrupt record must not hang the page.
    if (!p || seen.has(p.id)) break;
    seen.add(p.id);
    ancestors.push(p.id);
    parent = p.parentId;
  }
  ancestors.reverse();
  const descendants: number[] = [];
  const queue = [jobId];
  for (let i = 0; i < queue.length; i++) {
    for (const child of index.children.get(queue[i]!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      descendants.push(child);
      queue.push(child);
    }
  }
  return { jobId, ancestors, descendants, jobs: seen };
}

/** `?trace=` as a job id, or null when absent or not a positive integer. */
export function parseTraceParam(value: string | null): number | null {
  if (value === null || !/^\d{1,15}$/.test(value)) return null;
  const id = Number(value);
  return id > 0 ? id : null;
}
