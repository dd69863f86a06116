import { afterEach, beforeEach, expect, it } from "vitest";
import { exportJobs, getBestSchedule, getExperiment, getJob, listEvents, listJobs } from "../reads";
import { describeEachDatabase } from "../testing/databases";
import { LineageError } from "../domain/errors";
import { claim, createTestScheduler, type TestScheduler } from "../testing/testScheduler";

async function rejects(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(LineageError);
  expect((error as LineageError).code).toBe(code);
  return error as LineageError;
}

describeEachDatabase("scheduler", (kind) => {
  let s: TestScheduler;
  beforeEach(async () => {
    s = await createTestScheduler(kind);
  });
  afterEach(async () => {
    await s.close();
  });

  it("fills the population, then waits while every member is busy", async () => {
    await s.create({ name: "fill" });
    const a = await claim(s, "fill");
    const b = await claim(s, "fill");
    expect([a.job.member, b.job.member]).toEqual([0, 1]);
    expect(a.job.origin).toBe("initial");
    expect(a.job.generation).toBe(0);
    expect(a.leaseToken).not.toBe(b.leaseToken);
    const lr = a.job.hyperparameters.lr as number;
    expect(lr).toBeGreaterThanOrEqual(0.1);
    expect(lr).toBeLessThanOrEqual(1);
    expect(await s.scheduler.nextJob("fill", "w")).toMatchObject({ status: "wait", reason: "busy" });
  });

  it("runs every member to the last generation, copies results from the parent, and ends done", async () => {
    await s.create({ name: "run", populationSize: 4, stop: { maxGenerations: 4 }, exploit: { kind: "truncate", fraction: 0.25 } });
    let finished = 0;
    for (;;) {
      const answer = await s.scheduler.nextJob("run", "w");
      if (answer.status === "done") break;
      expect(answer.status).toBe("job");
      if (answer.status !== "job") break;
      const { job, leaseToken } = answer;
      if (job.parentId !== null) {
        const parent = await getJob(s.scheduler.deps, job.parentId);
        // The model to continue from is the parent's checkpoint, one generation behind.
        expect(job.results.model_path).toBe(parent.results.model_path);
        expect(parent.status).toBe("done");
        expect(job.generation).toBe(parent.generation + 1);
        if (job.origin === "exploit") {
          expect(job.donorJobId).toBe(parent.id);
          expect(job.exploitReason).toBe("truncate");
          expect(job.mutations.length).toBe(1);
          expect(parent.member).not.toBe(job.member);
        } else {
          expect(parent.member).toBe(job.member);
          expect(job.hyperparameters).toEqual(parent.hyperparameters);
        }
      }
      // Member 3 is always the best: the others copy it when they fall in the bottom quarter.
      const score = job.member === 3 ? 10 + job.generation : job.generation;
      await s.scheduler.completeJob(job.id, leaseToken, { score, model_path: `/ckpt/${job.id}` });
      finished++;
      s.advance(1);
    }
    const jobs = await listJobs(s.scheduler.deps, "run");
    expect(jobs).toHaveLength(finished);
    for (let member = 0; member < 4; member++) {
      // Every member ends at the last generation; its generations only grow (a copy jumps ahead with its donor).
      const own = jobs.filter((j) => j.member === member && j.status === "done").map((j) => j.generation);
      expect(own.at(-1)).toBe(3);
    }
    const exploits = jobs.filter((j) => j.origin === "exploit");
    expect(exploits.length).toBeGreaterThan(0);
    for (const j of exploits) expect(jobs.find((d) => d.id === j.donorJobId)!.member).toBe(3);
    expect((await getExperiment(s.scheduler.deps, "run")).status).toBe("done");

    // The best schedule ends at the best job (member 3's last generation) and starts at generation 0.
    const { schedule } = await getBestSchedule(s.scheduler.deps, "run");
    const best = jobs.find((j) => j.id === schedule!.bestJobId)!;
    expect(best).toMatchObject({ member: 3, generation: 3, score: 13 });
    expect(schedule!.steps.map((step) => step.generation)).toEqual([0, 1, 2, 3]);
    expect(schedule!.steps.at(-1)!.hyperparameters).toEqual(best.hyperparameters);
    for (const [i, step] of schedule!.steps.entries()) {
      if (i > 0) expect(jobs.find((j) => j.id === step.jobId)!.parentId).toBe(schedule!.steps[i - 1]!.jobId);
    }
    const text = async (file: { body: AsyncIterable<string> }) => {
      let all = "";
      for await (const chunk of file.body) all += chunk;
      return all;
    };
    const lines = (await text(await exportJobs(s.scheduler.deps, "run", "csv"))).trim().split("\n");
    expect(lines[0]).toMatch(/^id,member,generation,.*,hp\.lr$/);
    expect(lines).toHaveLength(finished + 1);
    const json = JSON.parse(await text(await exportJobs(s.scheduler.deps, "run", "json")));
    expect(json).toHaveLength(finished);
    const events = await listEvents(s.scheduler.deps, "run", 0, 5000);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // Stored in UTC as the scheduler's clock said, whatever the database session's time zone.
    expect(events[0]!.createdAt).toBe("2026-01-01T00:00:00.000Z");
    expect(events.filter((e) => e.type === "job.finished")).toHaveLength(finished);
    expect(events.at(-1)).toMatchObject({ type: "experiment.status", data: { to: "done" } });
    // Every persisted event was published on the bus, in order, the experiment's creation included.
    const published = s.published.flatMap((m) => (m.type === "event" && m.experimentId === events[0]!.experimentId ? [m.event.seq] : []));
    expect(published).toEqual(events.map((e) => e.seq));
  });

  it("refuses results without a finite metric and changes nothing", async () => {
    await s.create({ name: "metric" });
    const { job, leaseToken } = await claim(s, "metric");
    const missing = await rejects(s.scheduler.completeJob(job.id, leaseToken, { loss: 1 }), "invalid_metric");
    expect(missing.status).toBe(400);
    expect(missing.issues[0]!.field).toBe("results.score");
    await rejects(s.scheduler.completeJob(job.id, leaseToken, { score: "0.9" }), "invalid_metric");
    await rejects(s.scheduler.completeJob(job.id, leaseToken, { score: "nan" }), "invalid_metric");
    await rejects(s.scheduler.completeJob(job.id, leaseToken, { score: null }), "invalid_metric");
    const after = await getJob(s.scheduler.deps, job.id);
    expect(after.status).toBe("running");
    expect(after.score).toBeNull();
    // The same lease can still complete properly.
    await s.scheduler.completeJob(job.id, leaseToken, { score: 0.5 });
    expect((await getJob(s.scheduler.deps, job.id)).score).toBe(0.5);
  });

  it("refuses a wrong lease token and unknown jobs", async () => {
    await s.create({ name: "tokens" });
    const { job } = await claim(s, "tokens");
    const e = await rejects(s.scheduler.completeJob(job.id, "not-the-token", { score: 1 }), "lease_invalid");
    expect(e.status).toBe(409);
    await rejects(s.scheduler.heartbeat(job.id, "not-the-token"), "lease_invalid");
    await rejects(s.scheduler.completeJob(999_999, "x", { score: 1 }), "job_not_found");
    await rejects(s.scheduler.nextJob("no such experiment", "w"), "experiment_not_found");
    expect((await getJob(s.scheduler.deps, job.id)).status).toBe("running");
  });

  it("extends leases with heartbeats; an expired lease is reaped, retried, and the late worker refused", async () => {
    await s.create({ name: "lease", leaseSeconds: 60, populationSize: 1 });
    const first = await claim(s, "lease", "slow");
    s.advance(50);
    const beat = await s.scheduler.heartbeat(first.job.id, first.leaseToken);
    expect(Date.parse(beat.leaseExpiresAt)).toBe(Date.parse("2026-01-01T00:00:00Z") + 110_000);
    s.advance(50); // 100 s: alive thanks to the heartbeat
    expect(await s.scheduler.reapExpiredLeases()).toBe(0);
    s.advance(11); // 111 s: expired
    expect(await s.scheduler.reapExpiredLeases()).toBe(1);
    const crashed = await getJob(s.scheduler.deps, first.job.id);
    expect(crashed.status).toBe("crashed");
    expect(crashed.error).toMatch(/lease expired/);
    const retry = await claim(s, "lease", "fast");
    expect(retry.job).toMatchObject({ member: 0, generation: 0, attempt: 1, origin: "initial" });
    expect(retry.job.hyperparameters).toEqual(first.job.hyperparameters);
    // The first worker comes back: refused, and nothing changes.
    await rejects(s.scheduler.completeJob(first.job.id, first.leaseToken, { score: 1 }), "lease_invalid");
    await rejects(s.scheduler.heartbeat(first.job.id, first.leaseToken), "lease_invalid");
    await rejects(s.scheduler.logMetrics(first.job.id, first.leaseToken, [{ step: 1, values: { score: 1 } }]), "lease_invalid");
    expect((await getJob(s.scheduler.deps, first.job.id)).status).toBe("crashed");
    expect((await getJob(s.scheduler.deps, retry.job.id)).status).toBe("running");
    // A call after the lease ran out, before the reaper ran, is refused too.
    s.advance(61);
    await rejects(s.scheduler.completeJob(retry.job.id, retry.leaseToken, { score: 1 }), "lease_invalid");
  });

  it("retries a failed job up to the limit, then the member is exhausted and the experiment still ends", async () => {
    await s.create({ name: "retries", populationSize: 2, maxRetries: 1, stop: { maxGenerations: 1 } });
    const a = await claim(s, "retries");
    const b = await claim(s, "retries");
    await s.scheduler.failJob(a.job.id, a.leaseToken, "CUDA out of memory");
    const again = await claim(s, "retries");
    expect(again.job).toMatchObject({ member: a.job.member, attempt: 1 });
    await s.scheduler.failJob(again.job.id, again.leaseToken, "CUDA out of memory");
    await s.scheduler.completeJob(b.job.id, b.leaseToken, { score: 1 });
    expect(await s.scheduler.nextJob("retries", "w")).toEqual({ status: "done" });
    const events = await listEvents(s.scheduler.deps, "retries", 0);
    expect(events.filter((e) => e.type === "job.crashed").map((e) => e.data.error)).toEqual(["CUDA out of memory", "CUDA out of memory"]);
    expect(events.some((e) => e.type === "member.exhausted")).toBe(true);
  });

  it("pauses, resumes and stops", async () => {
    await s.create({ name: "status", populationSize: 3 });
    await s.scheduler.pushJob("status", { hyperparameters: { lr: 0.5 } });
    await s.scheduler.setExperimentStatus("status", "paused");
    expect(await s.scheduler.nextJob("status", "w")).toMatchObject({ status: "wait", reason: "paused" });
    await s.scheduler.setExperimentStatus("status", "running");
    const manual = await claim(s, "status");
    expect(manual.job).toMatchObject({ origin: "manual", hyperparameters: { lr: 0.5 } });
    await s.scheduler.pushJob("status", { hyperparameters: { lr: 0.25 } });
    await s.scheduler.setExperimentStatus("status", "done");
    expect(await s.scheduler.nextJob("status", "w")).toEqual({ status: "done" });
    expect((await listJobs(s.scheduler.deps, "status")).map((j) => j.status)).toEqual(["running", "pruned"]);
    // A job running when the experiment was stopped may still report its result.
    await s.scheduler.completeJob(manual.job.id, manual.leaseToken, { score: 3 });
    await rejects(s.scheduler.setExperimentStatus("status", "running"), "invalid_state");
  });

  it("validates jobs pushed by hand", async () => {
    await s.create({ name: "push", populationSize: 1 });
    await rejects(s.scheduler.pushJob("push", { hyperparameters: { nope: 1 } }), "invalid_input");
    await rejects(s.scheduler.pushJob("push", { hyperparameters: { lr: "fast" } }), "invalid_input");
    await rejects(s.scheduler.pushJob("push", { hyperparameters: {}, member: 5 }), "invalid_input");
    const pushed = await s.scheduler.pushJob("push", { hyperparameters: {} });
    expect(pushed.status).toBe("queued");
    expect(typeof pushed.hyperparameters.lr).toBe("number");
    await rejects(s.scheduler.pushJob("push", { hyperparameters: {} }), "population_full");
    await rejects(s.scheduler.pushJob("push", { hyperparameters: {}, member: 0 }), "member_busy");
    const { job, leaseToken } = await claim(s, "push");
    expect(job.id).toBe(pushed.id);
    await s.scheduler.completeJob(job.id, leaseToken, { score: 1, model_path: "/m" });
    const next = await s.scheduler.pushJob("push", { hyperparameters: { lr: 0.9 }, member: 0 });
    expect(next).toMatchObject({ generation: 1, parentId: job.id, origin: "manual", results: { score: 1, model_path: "/m" } });
  });

  it("in sync mode starts a generation only when the previous one is finished by every member", async () => {
    await s.create({ name: "sync", mode: "sync", populationSize: 2 });
    const a = await claim(s, "sync");
    const b = await claim(s, "sync");
    await s.scheduler.completeJob(a.job.id, a.leaseToken, { score: 1 });
    expect(await s.scheduler.nextJob("sync", "w")).toMatchObject({ status: "wait", reason: "sync-barrier" });
    await s.scheduler.completeJob(b.job.id, b.leaseToken, { score: 2 });
    const next = await claim(s, "sync");
    expect(next.job.generation).toBe(1);
  });

  it("refuses a second experiment with the same name, keeps unicode names intact, deletes", async () => {
    const name = "Ünïcode 実験 🧪";
    await s.create({ name });
    await rejects(s.create({ name }), "experiment_exists");
    expect((await getExperiment(s.scheduler.deps, name)).name).toBe(name);
    await claim(s, name);
    await s.scheduler.deleteExperiment(name);
    await rejects(getExperiment(s.scheduler.deps, name), "experiment_not_found");
  });
});
