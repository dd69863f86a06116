// Reading experiments: one by name, and the list with each one's progress.
import { LineageError } from "../domain/errors";
import type { Experiment, ExperimentSummary } from "../domain/experiment";
import type { ArchivedFilter } from "../domain/experiment";
import type { ExperimentConfig, ExperimentStatus } from "../pbt/config";
import { depthReached } from "../pbt/member";
import { Prisma } from "../db/generated/client";
import { toExperiment } from "../db/rows";
import { cursorKey, pageOf, type Page } from "./pages";
import type { ReadDeps } from "./deps";

export async function getExperiment(db: ReadDeps, name: string): Promise<Experiment> {
  const experiment = await db.prisma.experiment.findUnique({ where: { name } });
  if (!experiment) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  return toExperiment(experiment);
}

/** Which experiments a list shows. */
export interface ExperimentFilter {
  /** Part of the name, any case. */
  search?: string;
  status?: ExperimentStatus;
  /** Archived experiments are left out unless asked for ("include"), or alone ("only"). */
  archived?: ArchivedFilter;
}

/** Prisma's `contains` is SQL's ILIKE and leaves % and _ live: a search for "50%" means those characters. */
function literalPattern(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

/** A page of experiments, newest first, each with its progress (figures of the page's experiments only). */
export async function listExperiments(db: ReadDeps, options: ExperimentFilter & { cursor?: string; limit: number }): Promise<Page<ExperimentSummary>> {
  const before = cursorKey(options.cursor);
  const archived = options.archived ?? "exclude";
  const where: Prisma.ExperimentWhereInput = {
    ...(before === undefined ? {} : { id: { lt: before } }),
    ...(options.search ? { name: { contains: literalPattern(options.search), mode: "insensitive" } } : {}),
    ...(options.status ? { status: options.status } : {}),
    ...(archived === "exclude" ? { archivedAt: null } : archived === "only" ? { archivedAt: { not: null } } : {}),
  };
  const experiments = await db.prisma.experiment.findMany({
    where,
    orderBy: { id: "desc" },
    take: options.limit + 1,
  });
  const ids = experiments.map((e) => e.id);
  const stats =
    ids.length === 0
      ? []
      : await db.prisma.$queryRaw<
          { experimentId: number; members: number; done: number; running: number; max: number | null; min: number | null }[]
        >`SELECT "experimentId", COUNT(DISTINCT member)::int AS members,
           (COUNT(*) FILTER (WHERE status = 'done'))::int AS done,
           (COUNT(*) FILTER (WHERE status = 'running'))::int AS running,
           MAX(score) AS max, MIN(score) AS min
    FROM "Job" WHERE "experimentId" IN (${Prisma.join(ids)}) GROUP BY "experimentId"`;
  const depths =
    ids.length === 0
      ? []
      : await db.prisma.$queryRaw<{ experimentId: number; generation: number }[]>`
    SELECT "experimentId", MAX(generation)::int AS generation FROM "Job"
    WHERE "experimentId" IN (${Prisma.join(ids)}) AND status = 'done' GROUP BY "experimentId", member`;
  const byId = new Map(stats.map((s) => [s.experimentId, s]));
  const maxGenerations = new Map(experiments.map((e) => [e.id, (e.config as unknown as ExperimentConfig).stop.maxGenerations]));
  const reached = new Map<number, number>();
  for (const d of depths) reached.set(d.experimentId, (reached.get(d.experimentId) ?? 0) + depthReached(d.generation, maxGenerations.get(d.experimentId) ?? 0));
  const summaries = experiments.map((e): ExperimentSummary => {
    const config = e.config as unknown as ExperimentConfig;
    const s = byId.get(e.id);
    const best = config.objective === "maximize" ? s?.max : s?.min;
    return {
      id: e.id,
      name: e.name,
      status: e.status as ExperimentStatus,
      objective: config.objective,
      metric: config.metric,
      populationSize: config.populationSize,
      maxGenerations: config.stop.maxGenerations,
      members: s?.members ?? 0,
      jobsDone: s?.done ?? 0,
      generationsReached: reached.get(e.id) ?? 0,
      runningJobs: s?.running ?? 0,
      bestScore: best === null || best === undefined ? null : Number(best),
      archivedAt: e.archivedAt ? e.archivedAt.toISOString() : null,
      createdAt: e.createdAt.toISOString(),
    };
  });
  return pageOf(summaries, options.limit, (e) => e.id);
}
