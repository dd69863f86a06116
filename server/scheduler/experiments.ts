// Experiments: create, read, change status, delete.
import { randomInt } from "node:crypto";
import { LineageError } from "../api/errors";
import type { ExperimentConfig, ExperimentStatus } from "../pbt/config";
import { Prisma } from "../db/generated/client";
import { depthReached } from "../pbt/member";
import { withExperiment } from "./experimentLock";
import { cursorKey, pageOf, type Page } from "./pages";
import { toExperimentView, type ExperimentView } from "./views";
import type { SchedulerDeps } from "./deps";

export interface ExperimentSummary {
  id: number;
  name: string;
  status: ExperimentStatus;
  objective: ExperimentConfig["objective"];
  metric: string;
  populationSize: number;
  maxGenerations: number;
  members: number;
  /** Finished jobs. */
  jobsDone: number;
  /**
   * Lineage depth reached, summed over members (each at most maxGenerations): the run is complete
   * at populationSize × maxGenerations.
   */
  generationsReached: number;
  runningJobs: number;
  bestScore: number | null;
  createdAt: string;
}

/** `config` has been validated by experimentConfigSchema; a missing seed is drawn here and stored. */
export async function createExperiment(
  deps: SchedulerDeps,
  config: Omit<ExperimentConfig, "seed"> & { seed?: number },
): Promise<ExperimentView> {
  const stored: ExperimentConfig = { ...config, seed: config.seed ?? randomInt(0, 2 ** 31 - 1) };
  const now = deps.now();
  try {
    const experiment = await deps.prisma.$transaction(async (tx) => {
      const created = await tx.experiment.create({
        data: { name: stored.name, config: stored as object, status: "running", lastEventSeq: 1, createdAt: now },
      });
      await tx.event.create({
        data: { experimentId: created.id, seq: 1, type: "experiment.created", data: { config: stored } as object, createdAt: now },
      });
      return created;
    });
    deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "created" });
    return toExperimentView(experiment);
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") {
      throw new LineageError("experiment_exists", `an experiment named ${JSON.stringify(stored.name)} already exists`, [
        { field: "name", message: "already taken", accepted: "a name no other experiment has" },
      ]);
    }
    throw error;
  }
}

export async function getExperiment(deps: SchedulerDeps, name: string): Promise<ExperimentView> {
  const experiment = await deps.prisma.experiment.findUnique({ where: { name } });
  if (!experiment) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  return toExperimentView(experiment);
}

/** A page of experiments, newest first, each with its progress (figures of the page's experiments only). */
export async function listExperiments(deps: SchedulerDeps, options: { cursor?: string; limit: number }): Promise<Page<ExperimentSummary>> {
  const before = cursorKey(options.cursor);
  const experiments = await deps.prisma.experiment.findMany({
    where: before === undefined ? {} : { id: { lt: before } },
    orderBy: { id: "desc" },
    take: options.limit + 1,
  });
  const ids = experiments.map((e) => e.id);
  const stats = ids.length === 0 ? [] : await deps.prisma.$queryRaw<
    { experimentId: number; members: number; done: number; running: number; max: number | null; min: number | null }[]
  >`SELECT "experimentId", COUNT(DISTINCT member)::int AS members,
           (COUNT(*) FILTER (WHERE status = 'done'))::int AS done,
           (COUNT(*) FILTER (WHERE status = 'running'))::int AS running,
           MAX(score) AS max, MIN(score) AS min
    FROM "Job" WHERE "experimentId" IN (${Prisma.join(ids)}) GROUP BY "experimentId"`;
  const depths = ids.length === 0 ? [] : await deps.prisma.$queryRaw<{ experimentId: number; generation: number }[]>`
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
      createdAt: e.createdAt.toISOString(),
    };
  });
  return pageOf(summaries, options.limit, (e) => e.id);
}

const TRANSITIONS: Record<ExperimentStatus, ExperimentStatus[]> = {
  running: ["paused", "done"],
  paused: ["running", "done"],
  done: [],
};

/** Pause (no new jobs are handed out), resume, or stop (done; queued jobs are pruned). */
export async function setExperimentStatus(deps: SchedulerDeps, name: string, status: ExperimentStatus): Promise<ExperimentView> {
  await withExperiment(deps, { name }, async (tx, experiment, log) => {
    if (experiment.status === status) return;
    if (!TRANSITIONS[experiment.status].includes(status)) {
      throw new LineageError("invalid_state", `a ${experiment.status} experiment cannot become ${status}`, [
        { field: "status", message: `not allowed from ${experiment.status}`, accepted: TRANSITIONS[experiment.status].join(" | ") || "nothing" },
      ]);
    }
    if (status === "done") {
      const pruned = await tx.query`UPDATE "Job" SET status = 'pruned' WHERE "experimentId" = ${experiment.id} AND status = 'queued' RETURNING id`;
      if (pruned.length > 0) log.add("jobs.pruned", { data: { count: pruned.length } });
    }
    await tx.query`UPDATE "Experiment" SET status = ${status}, "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = ${experiment.id}`;
    log.add("experiment.status", { data: { from: experiment.status, to: status, reason: "requested" } });
  });
  const experiment = await getExperiment(deps, name);
  deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "updated" });
  return experiment;
}

export async function deleteExperiment(deps: SchedulerDeps, name: string): Promise<{ deleted: true }> {
  const experiment = await getExperiment(deps, name);
  // deleteMany, not delete: when several deletes of one experiment race, the losers find no row
  // (count 0, a 404) instead of Prisma's "record not found" error (a 500).
  const { count } = await deps.prisma.experiment.deleteMany({ where: { id: experiment.id } });
  if (count === 0) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "deleted" });
  return { deleted: true };
}
