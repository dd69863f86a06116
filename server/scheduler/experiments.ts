// Experiments: create, change status, delete. Every change but a delete goes through the
// experiment's lock and its event log (experimentLock.ts).
import { randomInt } from "node:crypto";
import { LineageError } from "../domain/errors";
import type { Experiment } from "../domain/experiment";
import type { ExperimentConfig, ExperimentStatus } from "../pbt/config";
import type { ExperimentRow } from "../db/rows";
import { experimentOf, inTransaction, lockedExperiment, withExperiment } from "./experimentLock";
import { pruneQueued } from "./jobRows";
import type { SchedulerDeps } from "./deps";

/** `config` has been validated by experimentConfigSchema; a missing seed is drawn here and stored. */
export async function createExperiment(
  deps: SchedulerDeps,
  config: Omit<ExperimentConfig, "seed"> & { seed?: number },
): Promise<Experiment> {
  const stored: ExperimentConfig = { ...config, seed: config.seed ?? randomInt(0, 2 ** 31 - 1) };
  try {
    const experiment = await inTransaction(
      deps,
      // The new row is this transaction's own until it commits: nobody else can see it, let alone lock it.
      async (tx, now) => {
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

/** Deletes the experiment, its jobs, metric points and events (one statement: the foreign keys cascade). */
export async function deleteExperiment(deps: SchedulerDeps, name: string): Promise<{ deleted: true }> {
  // One statement: when several deletes of one experiment race, the losers find no row (a 404).
  const rows = await deps.sql.query<{ id: number }>`DELETE FROM "Experiment" WHERE name = ${name} RETURNING id`;
  const deleted = rows[0];
  if (!deleted) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  deps.bus.publish({ type: "experiments", experimentId: deleted.id, change: "deleted" });
  return { deleted: true };
}
