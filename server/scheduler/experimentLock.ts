// Every change to an experiment's population happens under a row lock on the experiment, taken
// first in every transaction (then job rows): decisions never race, events are numbered in commit
// order, and a fixed lock order keeps transactions from deadlocking. The transactions run on the
// driver directly (server/db/sql.ts): this is the scheduler's hot path. You probably don't need to
// edit this file, unless you change the lock order or how events are numbered: a new kind of
// write calls withExperiment (or goes through writeBatcher.ts).
import { LineageError } from "../domain/errors";
import type { ExperimentConfig, ExperimentStatus } from "../pbt/config";
import type { EventData, EventType, LineageEvent } from "../domain/event";
import { readStoredConfig, type Experiment } from "../domain/experiment";
import { toIso, toIsoOrNull } from "../domain/json";
import type { ExperimentRow } from "../db/rows";
import type { SchedulerDeps, Tx } from "./deps";

/** The experiment's row while the transaction holds its lock; `lastEventSeq` moves as events are flushed. */
export interface LockedExperiment {
  id: number;
  name: string;
  status: ExperimentStatus;
  config: ExperimentConfig;
  lastEventSeq: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ExperimentRef = { name: string } | { id: number };

/** A row of "Experiment" as the transaction sees it, its stored config read with today's defaults. */
export function lockedExperiment(row: ExperimentRow): LockedExperiment {
  // Field by field: the row's other columns (checkpoint counters) are not the experiment's shape.
  const { id, name, lastEventSeq, archivedAt, createdAt, updatedAt } = row;
  return { id, name, lastEventSeq, archivedAt, createdAt, updatedAt, status: row.status as ExperimentStatus, config: readStoredConfig(row.config) };
}

/** The experiment as the APIs show it. */
export function experimentOf(locked: LockedExperiment): Experiment {
  const { id, name, status, config, lastEventSeq } = locked;
  return {
    id,
    name,
    status,
    config,
    lastEventSeq,
    archivedAt: toIsoOrNull(locked.archivedAt),
    createdAt: toIso(locked.createdAt),
    updatedAt: toIso(locked.updatedAt),
  };
}

/**
 * Locks the experiment's row for the rest of the transaction. Only columns of the locked row
 * itself are read here: PostgreSQL re-reads the row once the lock is granted, but anything else in
 * the statement (a subquery) would still see the state from before the wait. Other rows are read
 * by later statements, after the lock is held.
 */
export async function lockExperiment(tx: Tx, where: ExperimentRef): Promise<LockedExperiment> {
  const rows =
    "name" in where
      ? await tx.query<ExperimentRow>`SELECT * FROM "Experiment" WHERE name = ${where.name} FOR UPDATE`
      : await tx.query<ExperimentRow>`SELECT * FROM "Experiment" WHERE id = ${where.id} FOR UPDATE`;
  const row = rows[0];
  if (!row) {
    throw new LineageError("experiment_not_found", "name" in where ? `no experiment named ${JSON.stringify(where.name)}` : `no experiment with id ${where.id}`);
  }
  return lockedExperiment(row);
}

/** Events of one transaction, numbered after the experiment's last event when flushed. */
export class EventLog {
  private pending: { type: EventType; jobId?: number; member?: number; data: unknown }[] = [];
  constructor(private readonly experiment: LockedExperiment) {}

  /** An event of the log's union (server/domain/event.ts), its payload typed by its type. */
  add<T extends EventType>(type: T, fields: { jobId?: number; member?: number; data: EventData<T> }) {
    this.pending.push({ type, ...fields });
  }

  async flush(tx: Tx, now: Date): Promise<LineageEvent[]> {
    if (this.pending.length === 0) return [];
    const first = this.experiment.lastEventSeq + 1;
    const rows = this.pending.map((e, i) => ({
      experimentId: this.experiment.id,
      seq: first + i,
      type: e.type,
      jobId: e.jobId ?? null,
      member: e.member ?? null,
      data: (e.data ?? {}) as object,
      createdAt: now,
    }));
    // One statement for the events and the experiment's counter.
    await tx.query`
      WITH bump AS (
        UPDATE "Experiment" SET "lastEventSeq" = ${first + rows.length - 1} WHERE id = ${this.experiment.id}
      )
      INSERT INTO "Event" ("experimentId", seq, type, "jobId", member, data, "createdAt")
      SELECT ${this.experiment.id}, e.seq, e.type, e.job, e.member, e.data::jsonb, ${now}::timestamp
      FROM unnest(
        ${rows.map((r) => r.seq)}::int[], ${rows.map((r) => r.type)}::text[], ${rows.map((r) => r.jobId)}::int[],
        ${rows.map((r) => r.member)}::int[], ${rows.map((r) => JSON.stringify(r.data))}::text[]
      ) AS e(seq, type, job, member, data)`;
    this.experiment.lastEventSeq += rows.length;
    this.pending = [];
    return rows.map((r) => ({ ...r, createdAt: now.toISOString() }) as LineageEvent);
  }
}

/**
 * Runs `fn` in one transaction holding the experiment's lock, writes the events it logged, and
 * publishes them on the bus once committed. Every change to an experiment goes through here (or,
 * for its creation, through inTransaction with the new row).
 */
export async function withExperiment<T>(
  deps: SchedulerDeps,
  where: ExperimentRef,
  fn: (tx: Tx, experiment: LockedExperiment, log: EventLog, now: Date) => Promise<T>,
): Promise<T> {
  return inTransaction(deps, (tx) => lockExperiment(tx, where), fn);
}

/**
 * One transaction on an experiment: `lock` takes its row (locks it, or inserts it), `fn` does the
 * work and logs events, which are numbered and written before the commit and published after it.
 * Retries a transaction PostgreSQL aborted as a deadlock or serialization failure (nothing of it
 * was kept).
 */
export async function inTransaction<T>(
  deps: SchedulerDeps,
  lock: (tx: Tx, now: Date) => Promise<LockedExperiment>,
  fn: (tx: Tx, experiment: LockedExperiment, log: EventLog, now: Date) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { value, events } = await deps.sql.transaction(async (tx) => {
        const now = deps.now();
        const experiment = await lock(tx, now);
        const log = new EventLog(experiment);
        const value = await fn(tx, experiment, log, now);
        const events = await log.flush(tx, now);
        return { value, events };
      });
      for (const event of events) deps.bus.publish({ type: "event", experimentId: event.experimentId, event });
      return value;
    } catch (error) {
      if (attempt < 5 && isRetryable(error)) continue;
      throw error;
    }
  }
}

/** PostgreSQL aborted the transaction as a deadlock or serialization failure: nothing of it was kept. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "40P01" || code === "40001";
}
