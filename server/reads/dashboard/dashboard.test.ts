import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listJobs } from "..";
import { describeEachDatabase } from "../../testing/databases";
import { claim, createTestScheduler, type TestScheduler } from "../../testing/testScheduler";
import { metricCurves } from "./curves";
import { jobDetail } from "./job";
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

  it("walks a job's ancestry back to generation 0", async () => {
    const overview = await experimentOverview(s.database.prisma, "pbt");
    const detail = await jobDetail(s.database.prisma, overview.best!.jobId);
    expect(detail.ancestry.map((j) => j.id)).toEqual(overview.best!.jobIds);
    expect(detail.experiment).toMatchObject({ name: "pbt", objective: "maximize", metric: "score" });
    expect(detail.curve).toHaveLength(overview.best!.jobIds.length * 3);
    const root = await jobDetail(s.database.prisma, overview.best!.jobIds[0]!);
    expect(root.ancestry).toHaveLength(1);
    expect(root.children.length).toBeGreaterThanOrEqual(1);
  });

  it("falls back to job scores per generation when workers report no metric points", async () => {
    await s.create({ name: "no points", populationSize: 2, stop: { maxGenerations: 2 } });
    for (let i = 0; i < 4; i++) {
      const { job, leaseToken } = await claim(s, "no points");
      await s.scheduler.completeJob(job.id, leaseToken, { score: job.generation + job.member / 10 });
    }
    const curves = await metricCurves(s.database.prisma, "no points");
    expect(curves.x).toBe("generation");
    expect(curves.series.map((c) => c.points.map((p) => p.step))).toEqual([[0, 1], [0, 1]]);
  });
});

describe("dashboard read models at scale", () => {
  it("serves 64 members × 100 generations (6,400 jobs, 64,000 points) downsampled", async () => {
    const s = await createTestScheduler("pglite");
    try {
      await seedLargeExperiment(s.database.prisma, { name: "large", members: 64, generations: 100, pointsPerJob: 10 });
      const started = performance.now();
      const [overview, curves] = await Promise.all([
        experimentOverview(s.database.prisma, "large"),
        metricCurves(s.database.prisma, "large", { budget: 200 }),
      ]);
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
      expect(elapsed).toBeLessThan(10_000);
    } finally {
      await s.close();
    }
  }, 120_000);
});
