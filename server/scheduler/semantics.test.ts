// What the scheduler records of a PBT run on a real database: diverged runs, failed members that
// rejoin, the metric a job must report itself, and the stopping rules besides lineage depth.
import { afterEach, beforeEach, expect, it } from "vitest";
import { getExperiment, getJob, listEvents, listJobs } from "../reads";
import { describeEachDatabase } from "../testing/databases";
import { LineageError } from "../domain/errors";
import { claim, createTestScheduler, type TestScheduler } from "../testing/testScheduler";

describeEachDatabase("scheduler: PBT records", (kind) => {
  let s: TestScheduler;
  beforeEach(async () => {
    s = await createTestScheduler(kind);
  });
  afterEach(async () => {
    await s.close();
  });

  /** Runs generation 0 of every member, scoring each with `score(member)`. */
  async function firstGeneration(name: string, populationSize: number, score: (member: number) => number | string) {
    const jobs = [];
    for (let i = 0; i < populationSize; i++) jobs.push(await claim(s, name));
    for (const { job, leaseToken } of jobs) {
      await s.scheduler.completeJob(job.id, leaseToken, { score: score(job.member), model_path: `/ckpt/${job.id}` });
      s.advance(1);
    }
    return jobs.map((j) => j.job);
  }

  it("records a diverged result as done and diverged, and replaces its member at the next job", async () => {
    await s.create({ name: "nan", populationSize: 4, stop: { maxGenerations: 5 } });
    // Member 0 diverges; it finished first, so it is decided first.
    const jobs = await firstGeneration("nan", 4, (m) => (m === 0 ? "NaN" : m));
    const diverged = await getJob(s.scheduler.deps, jobs[0]!.id);
    expect(diverged).toMatchObject({ status: "done", diverged: true, score: null, results: { score: "NaN" } });
    const next = await claim(s, "nan");
    expect(next.job).toMatchObject({ member: 0, origin: "exploit", exploitReason: "diverged", generation: 1 });
    // Copied from a healthy member's checkpoint, never from its own.
    expect(next.job.donorJobId).not.toBe(jobs[0]!.id);
    const events = await listEvents(s.scheduler.deps, "nan", 0);
    expect(events.find((e) => e.type === "job.finished" && e.jobId === jobs[0]!.id)!.data).toMatchObject({ diverged: true, score: null });
    expect(events.find((e) => e.type === "exploit" && e.jobId === next.job.id)!.data).toMatchObject({ reason: "diverged" });
    // "Infinity" and "-Infinity" mean the same; any other string is refused.
    for (const value of ["Infinity", "-Infinity"]) {
      const { job, leaseToken } = await claim(s, "nan");
      const done = await s.scheduler.completeJob(job.id, leaseToken, { score: value });
      expect(done).toMatchObject({ diverged: true, score: null });
    }
  });

  it("refuses a completion that only carries the inherited metric, naming the key and the job it came from", async () => {
    await s.create({ name: "inherited", populationSize: 4, stop: { maxGenerations: 5 } });
    await firstGeneration("inherited", 4, (m) => m / 10);
    // Member 0 is the worst and copies a donor: its results start as the donor's, score included.
    const { job, leaseToken } = await claim(s, "inherited");
    expect(job.origin).toBe("exploit");
    expect(job.results.score).toEqual(expect.any(Number));
    const error = await s.scheduler.completeJob(job.id, leaseToken, { model_path: "/ckpt/new" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineageError);
    expect(error).toMatchObject({ code: "invalid_metric", status: 400 });
    const message = (error as LineageError).issues[0]!;
    expect(message.field).toBe("results.score");
    expect(message.message).toContain(`donor job ${job.donorJobId}`);
    expect(message.message).toContain(JSON.stringify(job.results.score));
    // Nothing was stored; the lease still holds and the job's own score completes it.
    expect(await getJob(s.scheduler.deps, job.id)).toMatchObject({ status: "running", score: null, results: job.results });
    await s.scheduler.completeJob(job.id, leaseToken, { score: 0.05 });
  });

  it("lets a member that used up its retries rejoin by copying a top donor, and says so in the event feed", async () => {
    await s.create({ name: "rejoin", populationSize: 4, maxRetries: 0, stop: { maxGenerations: 5 } });
    const a = await claim(s, "rejoin");
    const others = [await claim(s, "rejoin"), await claim(s, "rejoin"), await claim(s, "rejoin")];
    await s.scheduler.failJob(a.job.id, a.leaseToken, "segfault");
    // Nobody has a score yet: the failed member waits.
    expect(await s.scheduler.nextJob("rejoin", "w")).toMatchObject({ status: "wait" });
    for (const { job, leaseToken } of others) await s.scheduler.completeJob(job.id, leaseToken, { score: job.member });
    const next = await claim(s, "rejoin");
    expect(next.job).toMatchObject({ member: a.job.member, origin: "exploit", exploitReason: "exhausted", generation: 1 });
    // The top quantile of the three healthy members: member 3.
    expect((await getJob(s.scheduler.deps, next.job.donorJobId!)).member).toBe(3);
    const events = await listEvents(s.scheduler.deps, "rejoin", 0);
    expect(events.find((e) => e.type === "member.exhausted")!.data).toMatchObject({ next: "replace" });
  });

  it("drops a member that used up its retries under failedMembers: drop", async () => {
    await s.create({ name: "drop", populationSize: 2, maxRetries: 0, failedMembers: "drop", stop: { maxGenerations: 2 } });
    const a = await claim(s, "drop");
    const b = await claim(s, "drop");
    await s.scheduler.failJob(a.job.id, a.leaseToken, "segfault");
    await s.scheduler.completeJob(b.job.id, b.leaseToken, { score: 1 });
    const next = await claim(s, "drop");
    expect(next.job).toMatchObject({ member: b.job.member, origin: "continue" });
    await s.scheduler.completeJob(next.job.id, next.leaseToken, { score: 2 });
    expect(await s.scheduler.nextJob("drop", "w")).toEqual({ status: "done" });
    const events = await listEvents(s.scheduler.deps, "drop", 0);
    expect(events.find((e) => e.type === "member.exhausted")!.data).toMatchObject({ next: "drop" });
  });

  it("ends the experiment as soon as a job reaches the target score, pruning queued jobs", async () => {
    await s.create({ name: "target", populationSize: 3, stop: { maxGenerations: 50, target: 0.9 }, maxRetries: 2 });
    const [a, b, c] = [await claim(s, "target"), await claim(s, "target"), await claim(s, "target")];
    await s.scheduler.failJob(c.job.id, c.leaseToken, "transient"); // its retry is queued
    await s.scheduler.completeJob(a.job.id, a.leaseToken, { score: 0.95 });
    const experiment = await getExperiment(s.scheduler.deps, "target");
    expect(experiment.status).toBe("done");
    expect(await s.scheduler.nextJob("target", "w")).toEqual({ status: "done" });
    const jobs = await listJobs(s.scheduler.deps, "target");
    expect(jobs.filter((j) => j.status === "pruned")).toHaveLength(1);
    const events = await listEvents(s.scheduler.deps, "target", 0);
    expect(events.at(-1)).toMatchObject({ type: "experiment.status", data: { to: "done", reason: `job ${a.job.id} reached the target score 0.9` } });
    // A job still running may report.
    await s.scheduler.completeJob(b.job.id, b.leaseToken, { score: 0.5 });
  });

  it("creates no more jobs than the budget and ends when the last of them finished", async () => {
    await s.create({ name: "budget", populationSize: 2, stop: { maxGenerations: 50, maxJobs: 5 }, maxRetries: 1 });
    let created = 0;
    for (;;) {
      const answer = await s.scheduler.nextJob("budget", "w");
      if (answer.status !== "job") {
        expect(answer).toEqual({ status: "done" });
        break;
      }
      created++;
      // One crash on the way: its retry does not count against the budget.
      if (created === 2 && answer.job.attempt === 0) {
        await s.scheduler.failJob(answer.job.id, answer.leaseToken, "transient");
        created--;
        continue;
      }
      await s.scheduler.completeJob(answer.job.id, answer.leaseToken, { score: answer.job.member });
    }
    const jobs = await listJobs(s.scheduler.deps, "budget");
    expect(jobs.filter((j) => j.attempt === 0)).toHaveLength(5);
    expect(jobs).toHaveLength(6);
    expect((await getExperiment(s.scheduler.deps, "budget")).status).toBe("done");
    const events = await listEvents(s.scheduler.deps, "budget", 0);
    expect(events.at(-1)).toMatchObject({ data: { reason: "the budget of 5 jobs is used" } });
  });

  it("in sync mode ranks generation g's results only and copies generation-g checkpoints", async () => {
    await s.create({ name: "sync", mode: "sync", populationSize: 4, stop: { maxGenerations: 4 }, exploit: { kind: "truncate", fraction: 0.25 } });
    await firstGeneration("sync", 4, (m) => [0.1, 0.5, 0.6, 0.9][m]!);
    // Three members move on to generation 1 and finish it with scores that reverse the ranking.
    const moved = [];
    for (let i = 0; i < 3; i++) moved.push(await claim(s, "sync"));
    const member0 = moved.find((m) => m.job.member === 0);
    for (const m of moved) if (m !== member0) await s.scheduler.completeJob(m.job.id, m.leaseToken, { score: 1 - m.job.member / 10 });
    const last = await claim(s, "sync");
    // Whatever the order, member 0 (worst of generation 0) copies member 3's generation-0 job.
    const zero = member0 ?? last;
    expect(zero.job).toMatchObject({ member: 0, origin: "exploit", generation: 1 });
    const donor = await getJob(s.scheduler.deps, zero.job.donorJobId!);
    expect(donor).toMatchObject({ member: 3, generation: 0 });
  });
});
