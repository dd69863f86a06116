import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listJobs } from "..";
import { describeEachDatabase } from "../../testing/databases";
import { claim, createTestScheduler, type TestScheduler } from "../../testing/testScheduler";
import { metricCurves } from "./curves";
import { jobDetail } from "./job";
import { memberResults } from "./results";
import { experimentOverview } from "./overview";
import { seedLargeExperiment } from "../../testing/seedLargeExperiment";

/** Runs the experiment to the end with one worker; each job reports `pointsPerJob` points. */
async function runToEnd(s: TestScheduler, name: string, pointsPerJob = 3) {
  const steps = new Map<number, number>();
  for (;;) {
    const answer = await s.scheduler.nextJob(name, "w1");
    if (answer.status === "done") return;
    if (answer.status === "wait") throw new Error(`unexpected wait: ${JSON.stringify(answer)}`);
    const { job, leaseToken } = answer;
    const lr = job.hyperparameters.lr as number;
    let step = (job.results.step as number | undefined) ?? 0;
    const points = Array.from({ length: pointsPerJob }, () => ({ step: ++step, values: { score: lr * step, loss: 1 / step } }));
    await s.scheduler.logMetrics(job.id, leaseToken, points);
    await s.scheduler.completeJob(job.id, leaseToken, { score: lr * step, step });
    steps.set(job.member, step);
  }
}

describeEachDatabase("dashboard read models", (kind) => {
  let s: TestScheduler;
  beforeAll(async () => {
    s = await createTestScheduler(kind);
    await s.create({ name: "pbt", populationSize: 4, stop: { maxGenerations: 5 }, exploit: { kind: "truncate", fraction: 0.5 } });
    await runToEnd(s, "pbt");
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it("gives one row per member, progress and a best lineage back to generation 0", async () => {
    const overview = await experimentOverview(s.database.prisma, "pbt");
    expect(overview.members.map((m) => m.member)).toEqual([0, 1, 2, 3]);
    // Every member reached generation 4; a copy jumps with its donor, so the number of jobs varies.
    const jobs = await listJobs(s.scheduler.deps, "pbt");
    expect(overview.progress).toMatchObject({ done: jobs.length, reached: 20, total: 20, running: 0, queued: 0 });
    expect(overview.jobs).toHaveLength(jobs.length);
    for (const row of overview.members) {
      expect(row.generation).toBe(4);
      expect(row.status).toBe("done");
      expect(row.score).toBe(overview.jobs.find((j) => j.id === row.jobId)!.score);
    }
    const best = overview.best!;
    const byId = new Map(overview.jobs.map((j) => [j.id, j]));
    const bestScore = Math.max(...overview.jobs.map((j) => j.score ?? -Infinity));
    expect(best.score).toBe(bestScore);
    expect(best.jobIds.at(-1)).toBe(best.jobId);
    // In async mode a donor may be generations ahead, so a lineage can be longer than maxGenerations.
    expect(byId.get(best.jobIds[0]!)!.parentId).toBeNull();
    expect(best.jobIds.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < best.jobIds.length; i++) expect(byId.get(best.jobIds[i]!)!.parentId).toBe(best.jobIds[i - 1]);
    // Truncation selection over 5 generations exploits at least once.
    expect(overview.jobs.some((j) => j.origin === "exploit")).toBe(true);
  });

  it("gives curves per member with exploit marks at the first point of each exploit job", async () => {
    const curves = await metricCurves(s.database.prisma, "pbt");
    expect(curves.metrics).toEqual(["score", "loss"]);
    expect(curves.x).toBe("step");
    expect(curves.series.map((c) => c.member)).toEqual([0, 1, 2, 3]);
    expect(curves.totalPoints).toBe(3 * (await listJobs(s.scheduler.deps, "pbt")).length);
    const overview = await experimentOverview(s.database.prisma, "pbt");
    const depth = (id: number): number => {
      const parent = overview.jobs.find((j) => j.id === id)!.parentId;
      return parent === null ? 1 : 1 + depth(parent);
    };
    const exploitJobs = overview.jobs.filter((j) => j.origin === "exploit");
    expect(curves.exploits.map((e) => e.jobId).sort()).toEqual(exploitJobs.map((j) => j.id).sort());
    for (const mark of curves.exploits) {
      const job = exploitJobs.find((j) => j.id === mark.jobId)!;
      const donor = overview.jobs.find((j) => j.id === job.donorJobId)!;
      expect(mark.donorMember).toBe(donor.member);
      // The exploit job continues the donor's steps: its first point follows the donor's last one.
      expect(mark.step).toBe(depth(donor.id) * 3 + 1);
    }
    expect(curves.best!.jobId).toBe(overview.best!.jobId);
    expect(curves.best!.points).toHaveLength(overview.best!.jobIds.length * 3);

    const loss = await metricCurves(s.database.prisma, "pbt", { metric: "loss", budget: 4 });
    expect(loss.metric).toBe("loss");
    for (const series of loss.series) expect(series.points.length).toBeLessThanOrEqual(4);
  });

  it("tags every point with its job, and tells what each exploit copied and changed", async () => {
    const curves = await metricCurves(s.database.prisma, "pbt");
    const overview = await experimentOverview(s.database.prisma, "pbt");
    const byId = new Map(overview.jobs.map((j) => [j.id, j]));
    for (const series of curves.series) {
      expect(series.jobIds).toHaveLength(series.points.length);
      for (const id of series.jobIds) expect(byId.get(id)!.member).toBe(series.member);
      // In the order the member trained: job by job.
      expect(series.jobIds).toEqual([...series.jobIds].sort((a, b) => a - b));
    }
    const rows = await s.database.prisma.job.findMany({
      where: { origin: "exploit" },
      select: { id: true, mutations: true, donorJobId: true, exploitReason: true },
    });
    for (const mark of curves.exploits) {
      const row = rows.find((r) => r.id === mark.jobId)!;
      expect(mark).toMatchObject({ donorJobId: row.donorJobId, reason: row.exploitReason, mutations: row.mutations });
    }
  });

  it("puts the curves against generation (a point per job) or wall time", async () => {
    const overview = await experimentOverview(s.database.prisma, "pbt");
    const byGeneration = await metricCurves(s.database.prisma, "pbt", { x: "generation" });
    expect(byGeneration.x).toBe("generation");
    const points = byGeneration.series.flatMap((c) => c.points.map((p, i) => ({ ...p, jobId: c.jobIds[i]! })));
    expect(points).toHaveLength(overview.jobs.length);
    for (const p of points) expect(p.step).toBe(overview.jobs.find((j) => j.id === p.jobId)!.generation);
    const byTime = await metricCurves(s.database.prisma, "pbt", { x: "time" });
    expect(byTime.x).toBe("time");
    expect(byTime.totalPoints).toBe(3 * overview.jobs.length);
    for (const c of byTime.series) for (const p of c.points) expect(p.step).toBeGreaterThanOrEqual(0);
  });

  it("gives each member's latest finished results, scalars only, for the table's result columns", async () => {
    const results = await memberResults(s.database.prisma, "pbt");
    const overview = await experimentOverview(s.database.prisma, "pbt");
    expect(results.keys).toEqual(["score", "step"]);
    expect(results.members.map((m) => m.member)).toEqual([0, 1, 2, 3]);
    for (const row of results.members) {
      const member = overview.members.find((m) => m.member === row.member)!;
      expect(row.jobId).toBe(member.jobId);
      expect(row.values.score).toBe(member.score);
    }
  });

  it("walks a job's ancestry back to generation 0", async () => {
    const overview = await experimentOverview(s.database.prisma, "pbt");
    const detail = await jobDetail(s.database.prisma, overview.best!.jobId);
    expect(detail.ancestry.map((j) => j.id)).toEqual(overview.best!.jobIds);
    expect(detail.experiment).toMatchObject({ name: "pbt", objective: "maximize", metric: "score" });
    expect(detail.curve).toHaveLength(overview.best!.jobIds.length * 3);
    const root = await jobDetail(s.database.prisma, overview.best!.jobIds[0]!);
    expect(root.ancestry).toHaveLength(1);
    expect(root.children.length).toBeGreaterThanOrEqual(1);
    // Any reported metric can be drawn along the ancestry.
    expect(detail.metrics).toEqual(["loss", "score"]);
    expect(detail.metric).toBe("score");
    const loss = await jobDetail(s.database.prisma, overview.best!.jobId, { metric: "loss" });
    expect(loss.metric).toBe("loss");
    expect(loss.curve.map((p) => p.value)).toEqual(loss.curve.map((p) => 1 / p.step));
  });

  it("draws a job's curve from a reported metric when the experiment's own is reported only in results (as MNIST's max_accuracy)", async () => {
    await s.create({ name: "results metric", metric: "max_score", populationSize: 1, stop: { maxGenerations: 1 } });
    const { job, leaseToken } = await claim(s, "results metric");
    await s.scheduler.logMetrics(
      job.id,
      leaseToken,
      [1, 2].map((step) => ({ step, values: { score: step / 10, loss: 1 / step } })),
    );
    await s.scheduler.completeJob(job.id, leaseToken, { max_score: 0.2 });
    const detail = await jobDetail(s.database.prisma, job.id);
    expect(detail.metrics).toEqual(["loss", "score"]);
    expect(detail.metric).toBe("score");
    expect(detail.curve.map((p) => [p.step, p.value])).toEqual([
      [1, 0.1],
      [2, 0.2],
    ]);
    // A metric nobody reported draws nothing, and says so by its empty curve.
    expect((await jobDetail(s.database.prisma, job.id, { metric: "max_score" })).curve).toEqual([]);
  });

  it("falls back to job scores per generation when workers report no metric points", async () => {
    await s.create({ name: "no points", populationSize: 2, stop: { maxGenerations: 2 } });
    for (let i = 0; i < 4; i++) {
      const { job, leaseToken } = await claim(s, "no points");
      await s.scheduler.completeJob(job.id, leaseToken, { score: job.generation + job.member / 10 });
    }
    const curves = await metricCurves(s.database.prisma, "no points");
    expect(curves.x).toBe("generation");
    expect(curves.series.map((c) => c.points.map((p) => p.step))).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it("shows by default a metric reported during jobs when the experiment's own is reported only in results", async () => {
    await s.create({ name: "metric of results only", metric: "max_accuracy", populationSize: 1, stop: { maxGenerations: 1 } });
    const { job, leaseToken } = await claim(s, "metric of results only");
    await s.scheduler.logMetrics(job.id, leaseToken, [{ step: 1, values: { accuracy: 0.5, loss: 2 } }]);
    await s.scheduler.completeJob(job.id, leaseToken, { max_accuracy: 0.5 });
    const curves = await metricCurves(s.database.prisma, "metric of results only");
    expect(curves.metrics).toEqual(["max_accuracy", "accuracy", "loss"]);
    expect(curves).toMatchObject({ metric: "accuracy", x: "step" });
    expect((await metricCurves(s.database.prisma, "metric of results only", { metric: "max_accuracy" })).x).toBe("generation");
  });
});

describe("dashboard read models at scale", () => {
  it("serves 64 members × 100 generations (6,400 jobs, 64,000 points) downsampled", async () => {
    const s = await createTestScheduler("pglite");
    try {
      await seedLargeExperiment(s.database.prisma, { name: "large", members: 64, generations: 100, pointsPerJob: 10 });
      const started = performance.now();
      const [overview, curves] = await Promise.all([experimentOverview(s.database.prisma, "large"), metricCurves(s.database.prisma, "large", { budget: 200 })]);
      const elapsed = performance.now() - started;
      expect(overview.jobs).toHaveLength(6400);
      expect(overview.members).toHaveLength(64);
      expect(overview.best!.jobIds).toHaveLength(100);
      expect(curves.totalPoints).toBe(64_000);
      expect(curves.series).toHaveLength(64);
      for (const series of curves.series) {
        expect(series.points.length).toBeLessThanOrEqual(200);
        expect(series.points.at(-1)!.step).toBe(1000); // the last point is kept
      }
      expect(curves.exploits.length).toBe(24 * 16);
      const shipped = JSON.stringify(curves).length + JSON.stringify(overview).length;
      console.log(`large experiment: overview + curves in ${elapsed.toFixed(0)} ms, ${(shipped / 1e6).toFixed(2)} MB`);
      // How long it takes is bench/reads.ts's and bench/browser.ts's to measure, not a test's to assert.
    } finally {
      await s.close();
    }
  }, 120_000);
});
