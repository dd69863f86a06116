// Experiments: create, change status, delete. Every change but a delete goes through the
// experiment's lock and its event log (experimentLock.ts).
import { randomInt } from "node:crypto";
import { fieldError, LineageError } from "../domain/errors";
import type { Experiment } from "../domain/experiment";
import type { ExperimentConfig, ExperimentStatus, Fork, Hyperparameters } from "../pbt/config";
import type { ExperimentRow } from "../db/rows";
import { experimentOf, inTransaction, lockedExperiment, withExperiment } from "./experimentLock";
import { pruneQueued } from "./jobRows";
import type { SchedulerDeps, Tx } from "./deps";

/**
 * `config` has been validated by experimentConfigSchema; a missing seed is drawn here and stored.
 * A fork's source job is read in the same transaction and what the engine needs of it stored
 * with the config (forkSource).
 */
export async function createExperiment(deps: SchedulerDeps, config: Omit<ExperimentConfig, "seed"> & { seed?: number }): Promise<Experiment> {
  let stored: ExperimentConfig = { ...config, seed: config.seed ?? randomInt(0, 2 ** 31 - 1) };
  try {
    const experiment = await inTransaction(
      deps,
      // The new row is this transaction's own until it commits: nobody else can see it, let alone lock it.
      async (tx, now) => {
        if (stored.fork) stored = { ...stored, fork: await forkSource(tx, stored) };
        const rows = await tx.query<ExperimentRow>`
          INSERT INTO "Experiment" (name, config, status, "lastEventSeq", "createdAt", "updatedAt")
          VALUES (${stored.name}, ${JSON.stringify(stored)}::jsonb, 'running', 0, ${now}::timestamp, ${now}::timestamp)
          RETURNING *`;
        return lockedExperiment(rows[0]!);
      },
      async (_tx, experiment, log) => {
        log.add("experiment.created", { data: { config: stored } });
        return experiment;
      },
    );
    deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "created" });
    return experimentOf(experiment);
  } catch (error) {
    // PostgreSQL's unique_violation: the name is taken.
    if ((error as { code?: string }).code === "23505") {
      throw new LineageError("experiment_exists", `an experiment named ${JSON.stringify(stored.name)} already exists`, [
        { field: "name", message: "already taken", accepted: "a name no other experiment has" },
      ]);
    }
    throw error;
  }
}

/**
 * The fork's source job, as the config stores it: a finished job (its checkpoint is complete), whose
 * depth the new stopping rule must exceed (generation counts the training behind a checkpoint).
 */
async function forkSource(tx: Tx, config: ExperimentConfig): Promise<Fork> {
  const jobId = config.fork!.jobId;
  const rows = await tx.query<{ id: number; member: number; generation: number; status: string; hyperparameters: Hyperparameters; experiment: string }>`
    SELECT j.id, j.member, j.generation, j.status, j.hyperparameters, e.name AS experiment
    FROM "Job" j JOIN "Experiment" e ON e.id = j."experimentId" WHERE j.id = ${jobId}`;
  const job = rows[0];
  if (!job)
    throw new LineageError("job_not_found", `no job with id ${jobId} to fork`, [
      { field: "fork.jobId", message: "no such job", accepted: "the id of a finished job" },
    ]);
  if (job.status !== "done") {
    throw new LineageError("invalid_state", `job ${jobId} is ${job.status}: only a finished job has a checkpoint to continue from`, [
      { field: "fork.jobId", message: `the job is ${job.status}`, accepted: "the id of a finished job" },
    ]);
  }
  if (config.stop.maxGenerations <= job.generation + 1) {
    throw fieldError(
      "invalid_input",
      "stop.maxGenerations",
      `must be more than ${job.generation + 1}: the forked checkpoint is ${job.generation + 1} generations deep already (generation counts lineage depth)`,
      `an integer > ${job.generation + 1}`,
    );
  }
  return { jobId, experiment: job.experiment, member: job.member, generation: job.generation, hyperparameters: job.hyperparameters };
}

const TRANSITIONS: Record<ExperimentStatus, ExperimentStatus[]> = {
  running: ["paused", "done"],
  paused: ["running", "done"],
  done: [],
};

/** Pause (no new jobs are handed out), resume, or stop (done; queued jobs are pruned). */
export async function setExperimentStatus(deps: SchedulerDeps, name: string, status: ExperimentStatus): Promise<Experiment> {
  const experiment = await withExperiment(deps, { name }, async (tx, experiment, log) => {
    if (experiment.status === status) return experiment;
    if (!TRANSITIONS[experiment.status].includes(status)) {
      throw new LineageError("invalid_state", `a ${experiment.status} experiment cannot become ${status}`, [
        { field: "status", message: `not allowed from ${experiment.status}`, accepted: TRANSITIONS[experiment.status].join(" | ") || "nothing" },
      ]);
    }
    if (status === "done") {
      const pruned = await pruneQueued(tx, experiment.id);
      if (pruned.length > 0) log.add("jobs.pruned", { data: { count: pruned.length, jobIds: pruned } });
    }
    const rows = await tx.query<ExperimentRow>`
      UPDATE "Experiment" SET status = ${status}, "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = ${experiment.id} RETURNING *`;
    log.add("experiment.status", { data: { from: experiment.status, to: status, reason: "requested" } });
    experiment.status = status;
    experiment.updatedAt = rows[0]!.updatedAt;
    return experiment;
  });
  deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "updated" });
  return experimentOf(experiment);
}

/**
 * Archives the experiment (the list hides it unless asked) or brings it back; archiving again keeps
 * the first date. Under the experiment's lock like every change, but without an event: the flag is
 * the list's bookkeeping, not part of the run's history, and it changes nothing in the run.
 */
export async function archiveExperiment(deps: SchedulerDeps, name: string, archived: boolean): Promise<Experiment> {
  const experiment = await withExperiment(deps, { name }, async (tx, experiment, _log, now) => {
    if ((experiment.archivedAt !== null) === archived) return experiment;
    const rows = await tx.query<ExperimentRow>`
      UPDATE "Experiment" SET "archivedAt" = ${archived ? now : null}::timestamp, "updatedAt" = now() AT TIME ZONE 'UTC'
      WHERE id = ${experiment.id} RETURNING *`;
    experiment.archivedAt = rows[0]!.archivedAt;
    experiment.updatedAt = rows[0]!.updatedAt;
    return experiment;
  });
  deps.bus.publish({ type: "experiments", experimentId: experiment.id, change: "updated" });
  return experimentOf(experiment);
}

/** Deletes the experiment, its jobs, metric points and events (one statement: the foreign keys cascade). */
export async function deleteExperiment(deps: SchedulerDeps, name: string): Promise<{ id: number }> {
  // One statement: when several deletes of one experiment race, the losers find no row (a 404).
  const rows = await deps.sql.query<{ id: number }>`DELETE FROM "Experiment" WHERE name = ${name} RETURNING id`;
  const deleted = rows[0];
  if (!deleted) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  deps.bus.publish({ type: "experiments", experimentId: deleted.id, change: "deleted" });
  return { id: deleted.id };
}
