// The write batcher: workers' calls on one experiment, from this process, are written together
// (groupCommit.ts). You probably don't need to edit this file, unless you change how calls share a
// transaction: a new kind of call is a BatchHandler in its own file (nextJob.ts, jobReports.ts).
//
// Every decision on an experiment runs under its row lock, so an experiment's calls are serial
// whatever the number of workers. Rather than one transaction per call, the calls that arrive
// while a transaction runs wait for it and then share the next one: one lock, one population
// read, one statement per kind of write and one events statement for up to 128 calls.
//
// Inside a batch the calls are grouped by handler and the handlers run in phase order: reports
// (finish, fail) first, so the batch's next-job calls decide on a population that already holds
// the reported scores.
import { LineageError } from "../domain/errors";
import { withExperiment, type EventLog, type LockedExperiment } from "./experimentLock";
import { GroupCommit, type Outcome } from "./groupCommit";
import type { SchedulerDeps, Tx } from "./deps";

/** What the calls of one batch share inside its transaction. */
export interface Batch {
  tx: Tx;
  experiment: LockedExperiment;
  log: EventLog;
  now: Date;
}

/** Writes one kind of call for a whole batch; an error that concerns one input alone is its outcome. */
export interface BatchHandler<I, O> {
  /** Lower phases run first within a batch. */
  phase: number;
  write(batch: Batch, inputs: I[]): Promise<Outcome<O>[]>;
}

interface Call {
  handler: BatchHandler<unknown, unknown>;
  input: unknown;
  /** Set when the call came by experiment name: the locked experiment must still be that one. */
  name?: string;
}

/** Remembered job → experiment ids (immutable), so a report needs no lookup before its batch. */
const MAX_REMEMBERED_JOBS = 100_000;

export class WriteBatcher {
  private readonly batches: GroupCommit<number, Call, unknown>;
  private readonly experimentIds = new Map<string, number>();
  private readonly jobExperiments = new Map<number, number>();

  constructor(private readonly deps: SchedulerDeps) {
    // The one callback of the path: GroupCommit runs a batch when the transaction before it is done.
    this.batches = new GroupCommit((experimentId, calls) =>
      withExperiment(deps, { id: experimentId }, (tx, experiment, log, now) => writeBatch({ tx, experiment, log, now }, calls)),
    );
  }

  /** Runs a call in the next batch of the experiment named `name`. */
  async byName<I, O>(name: string, handler: BatchHandler<I, O>, input: I): Promise<O> {
    const call = { handler, input, name } as Call;
    const known = this.experimentIds.get(name);
    if (known !== undefined) {
      try {
        return (await this.batches.submit(known, call)) as O;
      } catch (error) {
        // Deleted (and maybe created again under the same name) since it was remembered.
        if (!(error instanceof LineageError && error.code === "experiment_not_found")) throw error;
        this.experimentIds.delete(name);
      }
    }
    const rows = await this.deps.sql.query<{ id: number }>`SELECT id FROM "Experiment" WHERE name = ${name}`;
    const id = rows[0]?.id;
    if (id === undefined) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
    this.experimentIds.set(name, id);
    return (await this.batches.submit(id, call)) as O;
  }

  /** Runs a call in the next batch of the experiment job `jobId` belongs to. */
  async byJob<I, O>(jobId: number, handler: BatchHandler<I, O>, input: I): Promise<O> {
    let experimentId = this.jobExperiments.get(jobId);
    if (experimentId === undefined) {
      const rows = await this.deps.sql.query<{ experimentId: number }>`SELECT "experimentId" FROM "Job" WHERE id = ${jobId}`;
      experimentId = rows[0]?.experimentId;
      if (experimentId === undefined) throw new LineageError("job_not_found", `no job with id ${jobId}`);
    }
    try {
      return (await this.batches.submit(experimentId, { handler, input } as Call)) as O;
    } catch (error) {
      // The experiment was deleted, and its jobs with it.
      if (error instanceof LineageError && error.code === "experiment_not_found") {
        throw new LineageError("job_not_found", `no job with id ${jobId}`);
      }
      throw error;
    }
  }

  /** Remembers a job handed out (its worker will report on it) until `forgetJob`. */
  rememberJob(jobId: number, experimentId: number): void {
    if (this.jobExperiments.size >= MAX_REMEMBERED_JOBS) {
      // Maps iterate in insertion order: drop the oldest; it is looked up again if needed.
      this.jobExperiments.delete(this.jobExperiments.keys().next().value!);
    }
    this.jobExperiments.set(jobId, experimentId);
  }

  forgetJob(jobId: number): void {
    this.jobExperiments.delete(jobId);
  }
}

async function writeBatch(batch: Batch, calls: Call[]): Promise<Outcome<unknown>[]> {
  const outcomes: Outcome<unknown>[] = new Array(calls.length);
  const handlers = [...new Set(calls.map((c) => c.handler))].sort((a, b) => a.phase - b.phase);
  for (const handler of handlers) {
    const indexes: number[] = [];
    calls.forEach((c, i) => {
      if (c.handler !== handler) return;
      // The experiment locked by id must still be the one the name was remembered for.
      if (c.name !== undefined && c.name !== batch.experiment.name) {
        outcomes[i] = { error: new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(c.name)}`) };
      } else {
        indexes.push(i);
      }
    });
    if (indexes.length === 0) continue;
    const written = await handler.write(
      batch,
      indexes.map((i) => calls[i]!.input),
    );
    indexes.forEach((callIndex, k) => (outcomes[callIndex] = written[k]!));
  }
  return outcomes;
}
