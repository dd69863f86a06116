// Exports: every job of an experiment as CSV (one column per hyperparameter) or JSON, and the
// best schedule. A jobs export is streamed: read from the database a page at a time as the
// answer is written, so its size does not decide the server's memory.
import { fieldError } from "../domain/errors";
import { bestSchedule, scheduleTo, type BestSchedule, type ScheduleJob } from "../pbt/schedule";
import { getExperiment } from "./experiments";
import { listJobsById } from "./jobs";
import { toJob } from "../db/rows";
import type { Job } from "../domain/job";
import type { ReadDeps } from "./deps";

const FIXED_COLUMNS = [
  "id",
  "member",
  "generation",
  "attempt",
  "status",
  "origin",
  "parentId",
  "donorJobId",
  "score",
  "workerId",
  "createdAt",
  "startedAt",
  "finishedAt",
  "error",
] as const;

/**
 * A CSV cell. Text that a spreadsheet would read as a formula (it begins with = + - @, a tab or a
 * carriage return) is neutralised as OWASP recommends: prefixed with ' and quoted. Numbers are
 * not text and keep their sign (-0.5 stays a number).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  const formula = typeof value === "string" && /^[=+\-@\t\r]/.test(text);
  if (formula) text = `'${text}`;
  return formula || /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(job: Job, parameters: string[]): string {
  return [...FIXED_COLUMNS.map((c) => csvCell(job[c])), ...parameters.map((p) => csvCell(job.hyperparameters[p]))].join(",");
}

export interface ExportFile {
  contentType: string;
  filename: string;
  /** The file's text, produced as it is read. */
  body: AsyncIterable<string>;
}

/** Jobs read for an export at a time. */
const EXPORT_PAGE = 500;

/** A safe file name from an experiment name (which may hold any unicode). */
export function fileStem(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]+/gu, "_").slice(0, 100) || "experiment";
}

/** Checks that the experiment exists (so that a 404 comes before any byte), then streams its jobs, oldest first. */
export async function exportJobs(db: ReadDeps, name: string, format: "csv" | "json"): Promise<ExportFile> {
  const experiment = await getExperiment(db, name);
  const pages = jobPages(db, experiment.id);
  // Every job holds every hyperparameter of the config (drawn when not given).
  const parameters = Object.keys(experiment.config.hyperparameters).sort();
  return format === "csv"
    ? { contentType: "text/csv; charset=utf-8", filename: `${fileStem(name)}-jobs.csv`, body: csvChunks(pages, parameters) }
    : { contentType: "application/json; charset=utf-8", filename: `${fileStem(name)}-jobs.json`, body: jsonChunks(pages) };
}

async function* jobPages(db: ReadDeps, experimentId: number): AsyncGenerator<Job[]> {
  let after = 0;
  for (;;) {
    const rows = await db.prisma.job.findMany({ where: { experimentId, id: { gt: after } }, orderBy: { id: "asc" }, take: EXPORT_PAGE });
    if (rows.length === 0) return;
    yield rows.map(toJob);
    after = rows.at(-1)!.id;
  }
}

async function* csvChunks(pages: AsyncIterable<Job[]>, parameters: string[]): AsyncGenerator<string> {
  yield [...FIXED_COLUMNS, ...parameters.map((p) => `hp.${p}`)].join(",") + "\n";
  for await (const jobs of pages) yield jobs.map((j) => csvRow(j, parameters) + "\n").join("");
}

/** The same text as JSON.stringify(jobs, null, 2), a page at a time. */
async function* jsonChunks(pages: AsyncIterable<Job[]>): AsyncGenerator<string> {
  let first = true;
  yield "[";
  for await (const jobs of pages) {
    let chunk = "";
    for (const job of jobs) {
      chunk += (first ? "\n" : ",\n") + JSON.stringify(job, null, 2).replace(/^/gm, "  ");
      first = false;
    }
    yield chunk;
  }
  yield first ? "]" : "\n]";
}

/**
 * The best schedule, or with `jobId` the schedule that led to that job: the hyperparameters along
 * its ancestry, generation 0 first. What a replay reads (replaySchedule), here or on another server.
 */
export async function getBestSchedule(
  db: ReadDeps,
  name: string,
  jobId?: number,
): Promise<{ experiment: string; objective: "maximize" | "minimize"; metric: string; schedule: BestSchedule | null }> {
  const experiment = await getExperiment(db, name);
  const jobs = (await listJobsById(db, experiment.id)) as ScheduleJob[];
  let schedule: BestSchedule | null;
  if (jobId === undefined) schedule = bestSchedule(jobs, experiment.config.objective);
  else {
    const job = jobs.find((j) => j.id === jobId);
    if (!job) throw fieldError("job_not_found", "jobId", `no job ${jobId} in experiment ${JSON.stringify(name)}`, "the id of one of its jobs");
    schedule = scheduleTo(job, jobs);
  }
  // A forked experiment's lineage begins in the experiment it was forked from: so does its schedule.
  const found = schedule;
  const first = found && jobs.find((j) => j.id === found.steps[0]?.jobId);
  if (found && first?.parentId != null) {
    const target = jobs.find((j) => j.id === found.bestJobId)!;
    schedule = scheduleTo(target, [...(await ancestorsOf(db, first.parentId)), ...jobs]);
  }
  return { experiment: experiment.name, objective: experiment.config.objective, metric: experiment.config.metric, schedule };
}

/** A job and its ancestors, in any experiment (one recursive query). */
async function ancestorsOf(db: ReadDeps, jobId: number): Promise<ScheduleJob[]> {
  const rows = await db.prisma.$queryRaw<{ id: number }[]>`
    WITH RECURSIVE chain(id, "parentId", depth) AS (
      SELECT id, "parentId", 0 FROM "Job" WHERE id = ${jobId}
      UNION ALL
      SELECT j.id, j."parentId", c.depth + 1 FROM "Job" j JOIN chain c ON j.id = c."parentId" WHERE c.depth < 1000000
    )
    SELECT id FROM chain`;
  const found = await db.prisma.job.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
  return found.map(toJob) as ScheduleJob[];
}
