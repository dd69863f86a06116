// Exports: every job of an experiment as CSV (one column per hyperparameter) or JSON, and the
// best schedule.
import { bestSchedule, type BestSchedule, type ScheduleJob } from "../pbt/schedule";
import { getExperiment } from "./experiments";
import { listJobs, listJobsById } from "./jobs";
import type { JobView } from "./views";
import type { SchedulerDeps } from "./deps";

const FIXED_COLUMNS = ["id", "member", "generation", "attempt", "status", "origin", "parentId", "donorJobId", "score", "workerId", "createdAt", "startedAt", "finishedAt", "error"] as const;

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

export function jobsCsv(jobs: JobView[]): string {
  const parameters = [...new Set(jobs.flatMap((j) => Object.keys(j.hyperparameters)))].sort();
  const header = [...FIXED_COLUMNS, ...parameters.map((p) => `hp.${p}`)];
  const rows = jobs.map((j) => [...FIXED_COLUMNS.map((c) => csvCell(j[c])), ...parameters.map((p) => csvCell(j.hyperparameters[p]))].join(","));
  return [header.join(","), ...rows].join("\n") + "\n";
}

export interface ExportFile {
  contentType: string;
  filename: string;
  body: string;
}

/** A safe file name from an experiment name (which may hold any unicode). */
function fileStem(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]+/gu, "_").slice(0, 100) || "experiment";
}

export async function exportJobs(deps: SchedulerDeps, name: string, format: "csv" | "json"): Promise<ExportFile> {
  const jobs = await listJobs(deps, name);
  return format === "csv"
    ? { contentType: "text/csv; charset=utf-8", filename: `${fileStem(name)}-jobs.csv`, body: jobsCsv(jobs) }
    : { contentType: "application/json; charset=utf-8", filename: `${fileStem(name)}-jobs.json`, body: JSON.stringify(jobs, null, 2) };
}

export async function getBestSchedule(deps: SchedulerDeps, name: string): Promise<{ experiment: string; objective: string; metric: string; schedule: BestSchedule | null }> {
  const experiment = await getExperiment(deps, name);
  const jobs = await listJobsById(deps, experiment.id);
  return {
    experiment: experiment.name,
    objective: experiment.config.objective,
    metric: experiment.config.metric,
    schedule: bestSchedule(jobs as ScheduleJob[], experiment.config.objective),
  };
}
