// What a worker reports on the job it holds: heartbeats, metric points, completion, failure.
import { fieldError } from "../domain/errors";
import { crashJob } from "./crash";
import type { BatchHandler } from "./writeBatcher";
import type { JobRow } from "./jobRows";
import { GroupCommit, type Outcome } from "./groupCommit";
import { explainMissingLease, leaseEnded, leaseError, lockLease, readLeases } from "./leases";
import { mayEndExperiment, settleExperiment } from "./settle";
import { METRIC_VALUE_ACCEPTED, readMetric } from "../pbt/metric";
import type { SchedulerDeps, Tx } from "./deps";
import type { ExperimentStatus } from "../pbt/config";

export interface MetricPointInput {
  step: number;
  /** Finite numbers, or "NaN" / "Infinity" / "-Infinity" for a run that diverged. */
  values: Record<string, number | string>;
}

/** Extends the lease by the experiment's lease length from now. */
export async function heartbeat(
  deps: SchedulerDeps,
  jobId: number,
  leaseToken: string,
): Promise<{ leaseExpiresAt: string; experimentStatus: ExperimentStatus }> {
  const now = deps.now();
  // One statement: the lease is extended only if it still holds (checked in the same statement,
  // so the reaper cannot take the job in between).
  const rows = await deps.sql.query<{ experimentId: number; member: number; leaseExpiresAt: Date; experimentStatus: ExperimentStatus }>`
    UPDATE "Job" j
    SET "leaseExpiresAt" = ${now}::timestamp + make_interval(secs => (e.config->>'leaseSeconds')::float8), "heartbeatAt" = ${now}::timestamp
    FROM "Experiment" e
    WHERE j.id = ${jobId} AND e.id = j."experimentId"
      AND j."leaseToken" = ${leaseToken} AND j.status = 'running' AND j."leaseExpiresAt" > ${now}::timestamp
    RETURNING j."experimentId", j.member, j."leaseExpiresAt", e.status AS "experimentStatus"`;
  const job = rows[0] ?? (await explainMissingLease(deps.sql, jobId, leaseToken, now));
  deps.bus.publish({ type: "heartbeat", experimentId: job.experimentId, jobId, member: job.member, at: now.toISOString() });
  return { leaseExpiresAt: job.leaseExpiresAt.toISOString(), experimentStatus: job.experimentStatus };
}

export interface MetricsCall {
  jobId: number;
  leaseToken: string;
  points: MetricPointInput[];
}

/**
 * Metric points of every job, from this process, written together (groupCommit.ts). They need no
 * experiment lock: a point is stored only while its job's lease holds, checked in the same
 * statement (so the reaper cannot take the job in between).
 */
export class MetricPointWriter {
  private readonly group: GroupCommit<"metrics", MetricsCall, { experimentId: number; member: number }>;

  constructor(private readonly deps: SchedulerDeps) {
    // The batch's write is this class's own method: GroupCommit calls it when the batch before is done.
    this.group = new GroupCommit((_, calls) => this.write(calls));
  }

  /** Stores the points and announces them on the bus (steps count on across a member's generations). */
  async log(jobId: number, leaseToken: string, points: MetricPointInput[]): Promise<{ stored: number }> {
    const job = await this.group.submit("metrics", { jobId, leaseToken, points });
    this.deps.bus.publish({ type: "metrics", experimentId: job.experimentId, jobId, member: job.member, points });
    return { stored: points.length };
  }

  private async write(calls: MetricsCall[]): Promise<Outcome<{ experimentId: number; member: number }>[]> {
    const { deps } = this;
    const now = deps.now();
    const points = calls.flatMap((c, k) => c.points.map((p) => ({ k: k + 1, step: p.step, values: JSON.stringify(p.values) })));
    const leased = await deps.sql.query<{ k: number; experimentId: number; member: number }>`
      WITH calls AS (
        SELECT * FROM unnest(${calls.map((c) => c.jobId)}::int[], ${calls.map((c) => c.leaseToken)}::text[]) WITH ORDINALITY AS c(job, token, k)
      ), leased AS (
        SELECT c.k, j.id, j."experimentId", j.member FROM calls c
        JOIN "Job" j ON j.id = c.job AND j."leaseToken" = c.token AND j.status = 'running' AND j."leaseExpiresAt" > ${now}::timestamp
      ), inserted AS (
        INSERT INTO "MetricPoint" ("experimentId", "jobId", member, step, "values", "createdAt")
        SELECT l."experimentId", l.id, l.member, p.step, p.values::jsonb, ${now}::timestamp
        FROM unnest(${points.map((p) => p.k)}::int[], ${points.map((p) => p.step)}::int[], ${points.map((p) => p.values)}::text[]) AS p(k, step, values)
        JOIN leased l ON l.k = p.k
        RETURNING 1
      )
      SELECT k, "experimentId", member FROM leased`;
    const byCall = new Map(leased.map((l) => [l.k - 1, l]));
    const refused = calls.filter((_, i) => !byCall.has(i));
    const jobs =
      refused.length > 0
        ? await readLeases(
            deps.sql,
            refused.map((c) => c.jobId),
          )
        : new Map();
    return calls.map((c, i) => {
      const job = byCall.get(i);
      return job ? { value: job } : { error: leaseError(jobs.get(c.jobId), c.jobId, c.leaseToken, now) ?? leaseEnded(c.jobId) };
    });
  }
}

/**
 * Finishes jobs. `results` is what the job produced: it must hold the experiment's metric (a
 * finite number, or a non-finite one written as a string for a diverged run, see pbt/metric.ts)
 * and is merged over the results the job started with, so keys it does not mention carry forward.
 */
export interface FinishCall {
  jobId: number;
  leaseToken: string;
  results: Record<string, unknown>;
}

/** The completions of a batch, written in one statement. */
export const finish: BatchHandler<FinishCall, JobRow> = {
  phase: 0,
  async write({ tx, experiment, log, now }, calls) {
    const metric = experiment.config.metric;
    const valueOf = (c: FinishCall) => readMetric(Object.hasOwn(c.results, metric) ? c.results[metric] : undefined);
    const valid = (c: FinishCall) => ["score", "diverged"].includes(valueOf(c).kind);
    // A job reported twice in one batch is finished by the first report; the second is refused below.
    const seen = new Set<number>();
    const writes = calls.filter((c) => valid(c) && !seen.has(c.jobId) && seen.add(c.jobId));
    const scoreOf = (c: FinishCall) => {
      const value = valueOf(c);
      return value.kind === "score" ? value.score : null;
    };
    // Only jobs whose lease holds are finished (top-level keys of `results` replace the old ones).
    const rows =
      writes.length === 0
        ? []
        : await tx.query<JobRow>`
      UPDATE "Job" j SET status = 'done', results = j.results || f.results::jsonb, score = f.score, diverged = f.score IS NULL,
        "finishedAt" = ${now}::timestamp, "leaseToken" = NULL
      FROM unnest(${writes.map((c) => c.jobId)}::int[], ${writes.map((c) => c.leaseToken)}::text[],
                  ${writes.map((c) => JSON.stringify(c.results))}::text[], ${writes.map(scoreOf)}::float8[]) AS f(id, token, results, score)
      WHERE j.id = f.id AND j."experimentId" = ${experiment.id} AND j."leaseToken" = f.token
        AND j.status = 'running' AND j."leaseExpiresAt" > ${now}::timestamp
      RETURNING j.*`;
    const finished = new Map(rows.map((r) => [r.id, r]));

    // The others are told why: no lease first (whatever they reported), then a bad metric.
    const refused = calls.filter((c) => !(writes.includes(c) && finished.has(c.jobId)));
    const current =
      refused.length > 0
        ? await readLeases(
            tx,
            refused.map((c) => c.jobId),
          )
        : new Map();
    const badMetric = refused.filter((c) => !valid(c));
    const inherited =
      badMetric.length > 0
        ? await readInherited(
            tx,
            badMetric.map((c) => c.jobId),
            metric,
          )
        : new Map();
    const outcomes = calls.map((c): Outcome<JobRow> => {
      const job = writes.includes(c) ? finished.get(c.jobId) : undefined;
      if (job) return { value: job };
      const noLease = leaseError(current.get(c.jobId), c.jobId, c.leaseToken, now);
      if (noLease) return { error: noLease };
      if (!valid(c)) return { error: invalidMetric(metric, Object.hasOwn(c.results, metric) ? c.results[metric] : undefined, inherited.get(c.jobId)) };
      return { error: leaseEnded(c.jobId) };
    });

    for (const job of rows) {
      log.add("job.finished", {
        jobId: job.id,
        member: job.member,
        data: { generation: job.generation, attempt: job.attempt, score: job.score, diverged: job.diverged },
      });
    }
    if (mayEndExperiment(experiment, rows)) await settleExperiment(tx, experiment, log);
    return outcomes;
  },
};

/** Where a job's starting value of the metric came from: its parent (after an exploit, the donor). */
interface Inherited {
  value: unknown;
  parentId: number | null;
  donorJobId: number | null;
}

async function readInherited(tx: Tx, ids: number[], metric: string): Promise<Map<number, Inherited>> {
  const rows = await tx.query<{ id: number; value: unknown; parentId: number | null; donorJobId: number | null }>`
    SELECT id, results -> ${metric} AS value, "parentId", "donorJobId" FROM "Job" WHERE id = ANY(${ids}::int[])`;
  return new Map(rows.map((r) => [r.id, r]));
}

function invalidMetric(metric: string, value: unknown, inherited: Inherited | undefined) {
  const field = `results.${metric}`;
  if (value !== undefined)
    return fieldError(
      "invalid_metric",
      field,
      `must be a finite number or a non-finite one written as a string, got ${JSON.stringify(value) ?? String(value)}`,
      METRIC_VALUE_ACCEPTED,
    );
  if (inherited?.value !== undefined && inherited.value !== null && inherited.parentId !== null) {
    const from = inherited.donorJobId === inherited.parentId ? `the donor job ${inherited.parentId} it copied` : `its parent job ${inherited.parentId}`;
    return fieldError(
      "invalid_metric",
      field,
      `missing: this job did not report its own "${metric}"; the ${JSON.stringify(inherited.value)} in the results it started with was inherited from ${from}, and reporting it again would rank this job with another job's score. Send the value this job measured (results hold only what this job produced).`,
      METRIC_VALUE_ACCEPTED,
    );
  }
  return fieldError("invalid_metric", field, `missing: results must contain the experiment's metric "${metric}"`, METRIC_VALUE_ACCEPTED);
}

/** The worker gave up on the job: it is marked crashed with the error, and retried if allowed. */
export interface FailCall {
  jobId: number;
  leaseToken: string;
  error: string;
}

/** Failures are rare: one after another, each as it would be alone. */
export const fail: BatchHandler<FailCall, JobRow> = {
  phase: 0,
  async write({ tx, experiment, log, now }, calls) {
    const outcomes: Outcome<JobRow>[] = [];
    for (const call of calls) {
      // Refused before anything is written: an outcome of this call alone.
      const refused = await lockLease(tx, call.jobId, call.leaseToken, now);
      if (refused) outcomes.push({ error: refused });
      else outcomes.push({ value: (await crashJob(tx, experiment, log, call.jobId, "failed", call.error, now)).job });
    }
    return outcomes;
  },
};
