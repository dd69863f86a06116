// Reading jobs: an experiment's jobs (all, or a page at a time) and one job.
import { LineageError } from "../domain/errors";
import type { Job } from "../domain/job";
import { toJob } from "../db/rows";
import { getExperiment } from "./experiments";
import { cursorKey, pageOf, type Page } from "./pages";
import type { ReadDeps } from "./deps";

export interface JobFilter {
  member?: number;
  status?: string;
}

export async function listJobs(db: ReadDeps, name: string, filter: { member?: number; status?: string } = {}): Promise<Job[]> {
  return listJobsById(db, (await getExperiment(db, name)).id, filter);
}

export async function listJobsById(db: ReadDeps, experimentId: number, filter: { member?: number; status?: string } = {}): Promise<Job[]> {
  const jobs = await db.prisma.job.findMany({
    where: { experimentId, member: filter.member, status: filter.status },
    orderBy: { id: "asc" },
  });
  return jobs.map(toJob);
}

/** A page of an experiment's jobs, oldest first (jobs created while paging come on later pages). */
export async function listJobsPage(db: ReadDeps, name: string, options: JobFilter & { cursor?: string; limit: number }): Promise<Page<Job>> {
  const experiment = await getExperiment(db, name);
  const after = cursorKey(options.cursor);
  const jobs = await db.prisma.job.findMany({
    where: { experimentId: experiment.id, member: options.member, status: options.status, ...(after === undefined ? {} : { id: { gt: after } }) },
    orderBy: { id: "asc" },
    take: options.limit + 1,
  });
  return pageOf(jobs.map(toJob), options.limit, (j) => j.id);
}

export async function getJob(db: ReadDeps, id: number): Promise<Job & { experiment: string }> {
  const job = await db.prisma.job.findUnique({ where: { id }, include: { experiment: { select: { name: true } } } });
  if (!job) throw new LineageError("job_not_found", `no job with id ${id}`);
  return { ...toJob(job), experiment: job.experiment.name };
}
