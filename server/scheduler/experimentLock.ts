// Every change to an experiment's population happens under a row lock on the experiment, taken
// first in every transaction (then job rows): decisions never race, events are numbered in commit
// order, and a fixed lock order keeps transactions from deadlocking.
import { LineageError } from "../api/errors";
import type { ExperimentConfig, ExperimentStatus } from "../pbt/config";
import type { EventView } from "./views";
import type { SchedulerDeps, Tx } from "./deps";

export interface LockedExperiment {
  id: number;
  name: string;
  status: ExperimentStatus;
  config: ExperimentConfig;
  lastEventSeq: number;
}

type Row = { id: number; name: string; status: string; config: unknown; lastEventSeq: number };

export async function lockExperiment(tx: Tx, where: { name: string } | { id: number }): Promise<LockedExperiment> {
  const rows =
    "name" in where
      ? await tx.$queryRaw<Row[]>`SELECT id, name, status, config, "lastEventSeq" FROM "Experiment" WHERE name = ${where.name} FOR UPDATE`
      : await tx.$queryRaw<Row[]>`SELECT id, name, status, config, "lastEventSeq" FROM "Experiment" WHERE id = ${where.id} FOR UPDATE`;
  const row = rows[0];
  if (!row) {
    throw new LineageError(
      "experiment_not_found",
      "name" in where ? `no experiment named ${JSON.stringify(where.name)}` : `no experiment with id ${where.id}`,
    );
  }
  return { ...row, status: row.status as ExperimentStatus, config: row.config as ExperimentConfig };
}

/** Events of one transaction, numbered after the experiment's last event when flushed. */
export class EventLog {
  private pending: { type: string; jobId?: number; member?: number; data?: Record<string, unknown> }[] = [];
  constructor(private readonly experiment: LockedExperiment) {}

  add(type: string, fields: { jobId?: number; member?: number; data?: Record<string, unknown> } = {}) {
    this.pending.push({ type, ...fields });
  }

  async flush(tx: Tx, now: Date): Promise<EventView[]> {
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
    await tx.event.createMany({ data: rows });
    this.experiment.lastEventSeq += rows.length;
    await tx.experiment.update({
      where: { id: this.experiment.id },
      data: { lastEventSeq: this.experiment.lastEventSeq },
    });
    this.pending = [];
    return rows.map((r) => ({ ...r, createdAt: now.toISOString(), data: r.data as Record<string, unknown> }));
  }
}

const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/**
 * Runs `fn` in one transaction holding the experiment's lock, writes the events it logged, and
 * publishes them on the bus once committed. Retries a transaction PostgreSQL aborted as a
 * deadlock or serialization failure (nothing of it was kept).
 */
export async function withExperiment<T>(
  deps: SchedulerDeps,
  where: { name: string } | { id: number },
  fn: (tx: Tx, experiment: LockedExperiment, log: EventLog, now: Date) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { value, events } = await deps.prisma.$transaction(async (tx) => {
        const experiment = await lockExperiment(tx, where);
        const log = new EventLog(experiment);
        const now = deps.now();
        const value = await fn(tx, experiment, log, now);
        const events = await log.flush(tx, now);
        return { value, events };
      }, TRANSACTION_OPTIONS);
      for (const event of events) deps.bus.publish({ type: "event", experimentId: event.experimentId, event });
      return value;
    } catch (error) {
      if (attempt < 5 && isRetryable(error)) continue;
      throw error;
    }
  }
}

function isRetryable(error: unknown): boolean {
  const text = String((error as { code?: string; message?: string })?.code ?? "") + String((error as Error)?.message ?? "");
  return /P2034|40P01|40001|deadlock detected|could not serialize/i.test(text);
}
