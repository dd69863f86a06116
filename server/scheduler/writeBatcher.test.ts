// Batching of the calls on one experiment (writeBatcher.ts): calls that wait together share a
// transaction, reports run before next-job calls, and one failing call does not fail the others.
import { afterEach, beforeEach, expect, it } from "vitest";
import { getJob, listEvents, listJobs } from "../reads";
import { LineageError } from "../domain/errors";
import type { Database } from "../db/client";
import { describeEachDatabase } from "../testing/databases";
import type { Scheduler } from "./index";
import { createTestScheduler, type TestScheduler } from "../testing/testScheduler";

describeEachDatabase("write batcher", (kind) => {
  let s: TestScheduler;
  let scheduler: Scheduler;
  let database: Database;
  let transactions = 0;

  beforeEach(async () => {
    transactions = 0;
    // The real database, counting the transactions the scheduler opens.
    s = await createTestScheduler(kind, {
      wrapSql: (sql) => ({ ...sql, transaction: (fn) => (transactions++, sql.transaction(fn)) }),
    });
    ({ scheduler, database } = s);
  });
  afterEach(async () => {
    await s.close();
  });

  const create = (config: Parameters<TestScheduler["create"]>[0]) => s.create(config);

  async function events(name: string) {
    return listEvents(scheduler.deps, name, 0, 10_000);
  }

  it("answers calls that arrive together in shared transactions, each as if alone", async () => {
    await create({ name: "together", populationSize: 16 });
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => scheduler.nextJob("together", `w${i}`)));
    const members = answers.map((a) => (a.status === "job" ? a.job.member : -1));
    expect([...members].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(new Set(answers.map((a) => (a.status === "job" ? a.leaseToken : ""))).size).toBe(16);
    expect(transactions).toBeLessThan(8);

    const finished = await Promise.all(
      answers.map((a, i) => (a.status === "job" ? scheduler.completeJob(a.job.id, a.leaseToken, { score: i }) : Promise.reject(new Error("no job")))),
    );
    expect(finished.map((j) => j.score)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const seqs = (await events("together")).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it("runs a batch's reports before its next-job calls, so a finished job is continued in the same batch", async () => {
    await create({ name: "order", populationSize: 1 });
    transactions = 0;
    const first = await scheduler.nextJob("order", "w0");
    if (first.status !== "job") throw new Error("expected a job");
    // Calls made together share a batch: the next-job call comes first, but runs after the completion.
    const next = scheduler.nextJob("order", "w1");
    const done = scheduler.completeJob(first.job.id, first.leaseToken, { score: 1 });
    expect((await done).status).toBe("done");
    expect(await next).toMatchObject({ status: "job", job: { member: 0, generation: 1, parentId: first.job.id } });
    expect(transactions).toBe(2); // the first job, then one batch for both calls
  });

  it("fails only the call that fails: the rest of its batch is answered and nothing of the failed call is kept", async () => {
    await create({ name: "isolated", populationSize: 3 });
    const claims = await Promise.all([0, 1, 2].map((i) => scheduler.nextJob("isolated", `w${i}`)));
    const [a, b, c] = claims.map((x) => {
      if (x.status !== "job") throw new Error("expected a job");
      return x;
    });
    const calls = [
      scheduler.completeJob(a!.job.id, a!.leaseToken, { score: 1 }),
      scheduler.completeJob(b!.job.id, "not-the-lease", { score: 2 }),
      scheduler.completeJob(c!.job.id, c!.leaseToken, { score: "0.9" }),
      scheduler.nextJob("isolated", "w4"),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    const code = (s: PromiseSettledResult<unknown>) => (s.status === "rejected" ? (s.reason as LineageError).code : null);
    expect(code(settled[1]!)).toBe("lease_invalid");
    expect(code(settled[2]!)).toBe("invalid_metric");
    // The next-job call saw member 0 finished and continued it.
    expect(settled[3]).toMatchObject({ status: "fulfilled", value: { status: "job", job: { member: 0, generation: 1 } } });

    const jobs = await listJobs(scheduler.deps, "isolated");
    expect(jobs.find((j) => j.id === b!.job.id)).toMatchObject({ status: "running", score: null });
    expect(jobs.find((j) => j.id === c!.job.id)).toMatchObject({ status: "running", score: null });
    const log = await events("isolated");
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.filter((e) => e.type === "job.finished").map((e) => e.jobId)).toEqual([a!.job.id]);
  });

  it("finishes a job reported twice in one batch once, and refuses the second report", async () => {
    await create({ name: "twice", populationSize: 2 });
    const claims = await Promise.all([0, 1].map((i) => scheduler.nextJob("twice", `w${i}`)));
    const [a] = claims.map((x) => {
      if (x.status !== "job") throw new Error("expected a job");
      return x;
    });
    const first = scheduler.completeJob(a!.job.id, a!.leaseToken, { score: 1 });
    const second = scheduler.completeJob(a!.job.id, a!.leaseToken, { score: 2 });
    expect(await first).toMatchObject({ status: "done", score: 1 });
    await expect(second).rejects.toMatchObject({ code: "lease_invalid" });
    expect((await getJob(scheduler.deps, a!.job.id)).results).toMatchObject({ score: 1 });
    expect((await events("twice")).filter((e) => e.type === "job.finished")).toHaveLength(1);
  });

  it("stores metric points of many jobs together, refusing only the calls without a lease", async () => {
    await create({ name: "points", populationSize: 4 });
    const claims = (await Promise.all([0, 1, 2, 3].map((i) => scheduler.nextJob("points", `w${i}`)))).map((x) => {
      if (x.status !== "job") throw new Error("expected a job");
      return x;
    });
    const settled = await Promise.allSettled(
      claims.map((c, i) =>
        scheduler.logMetrics(c.job.id, i === 2 ? "stale" : c.leaseToken, [
          { step: 1, values: { score: i } },
          { step: 2, values: { score: i + 0.5 } },
        ]),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: "lease_invalid" });
    const points = await database.prisma.metricPoint.findMany();
    const stored = points.map((p) => [p.jobId, p.member, p.step, (p.values as { score: number }).score]);
    const expected = [0, 1, 3].flatMap((i) => [
      [claims[i]!.job.id, claims[i]!.job.member, 1, i],
      [claims[i]!.job.id, claims[i]!.job.member, 2, i + 0.5],
    ]);
    const order = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(order(stored)).toEqual(order(expected));
  });

  it("finds an experiment created again under a name it remembered", async () => {
    await create({ name: "again" });
    const before = await scheduler.nextJob("again", "w");
    if (before.status !== "job") throw new Error("expected a job");
    await scheduler.deleteExperiment("again");
    await expect(scheduler.nextJob("again", "w")).rejects.toMatchObject({ code: "experiment_not_found" });
    const created = await create({ name: "again" });
    const after = await scheduler.nextJob("again", "w");
    expect(after).toMatchObject({ status: "job", job: { experimentId: created.id, member: 0 } });
    expect(before.job.experimentId).not.toBe(created.id);
    // A report on a job of the deleted experiment: the job is gone with it.
    await expect(scheduler.completeJob(before.job.id, before.leaseToken, { score: 1 })).rejects.toMatchObject({ code: "job_not_found" });
  });
});
