// The TypeScript SDK against the real server over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../server/testing/serverProcess";
import { waitFor } from "../server/testing/waitFor";
import { ApiError, Client, ConnectionError, LeaseExpiredError, MetricNotSetError, runWorker, type Job } from "./index";

const config = (name: string, extra: Record<string, unknown> = {}) =>
  ({
    name,
    metric: "accuracy",
    populationSize: 2,
    stop: { maxGenerations: 2 },
    hyperparameters: { lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb" } } },
    seed: 5,
    ...extra,
  }) as never;

describe("TypeScript SDK", () => {
  let server: ServerProcess;
  let client: Client;
  beforeAll(async () => {
    server = await startServerProcess({ testClock: true });
    client = new Client({ url: server.url });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs jobs with withNextJob: results merged and completed, metrics logged", async () => {
    const stop = { maxGenerations: 2, target: 0.99, maxJobs: 50 }; // every stopping rule passes through
    const experiment = await client.createExperiment(config("sdk basic", { stop }));
    expect(experiment.data.config.stop).toEqual(stop);
    expect((await client.getExperiment("sdk basic")).data.config.stop).toEqual(stop);
    const done = await experiment.withNextJob(async (job) => {
      expect(job.generation).toBe(0);
      expect(typeof job.hyperparameters.lr).toBe("number");
      await job.log(1, { accuracy: 0.4 });
      job.results.model_path = "/ckpt/a";
      return { accuracy: 0.5 };
    });
    expect(done).toMatchObject({ status: "done", score: 0.5, results: { accuracy: 0.5, model_path: "/ckpt/a" } });
  });

  it("saves a checkpoint through the server and loads it in the next generation, from a cache", async () => {
    const { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const folder = mkdtempSync(path.join(os.tmpdir(), "lineage-sdk-checkpoints-"));
    try {
      const experiment = await client.createExperiment(config("sdk checkpoints", { populationSize: 1, stop: { maxGenerations: 3 } }));
      const bytes = Buffer.from("weights ".repeat(100_000));
      const first = await experiment.nextJob();
      expect(await first!.loadCheckpoint({ cacheDir: folder })).toBeNull();
      writeFileSync(path.join(folder, "model.bin"), bytes);
      const saved = await first!.saveCheckpoint(path.join(folder, "model.bin"));
      expect(saved).toMatchObject({ size: bytes.length, deletedAt: null });
      await first!.complete({ accuracy: 0.5 });
      const second = await experiment.nextJob();
      const loaded = await second!.loadCheckpoint({ cacheDir: folder });
      expect(readFileSync(loaded!).equals(bytes)).toBe(true);
      expect(path.basename(loaded!)).toBe(`${saved.sha256}.ckpt`);
      // Again: the cached copy (touched, not downloaded).
      utimesSync(loaded!, 0, 0);
      expect(await second!.loadCheckpoint({ cacheDir: folder })).toBe(loaded);
      expect(statSync(loaded!).mtimeMs).toBeGreaterThan(0);
      await second!.complete({ accuracy: 0.6 });
      // The second job saved nothing: the third has nothing to load, and is told why.
      const third = await experiment.nextJob();
      await expect(third!.loadCheckpoint({ cacheDir: folder })).rejects.toMatchObject({
        code: "checkpoint_not_found",
        message: expect.stringMatching(/uploaded none/),
      });
      await third!.complete({ accuracy: 0.7 });
      await expect(third!.saveCheckpoint(path.join(folder, "model.bin"))).rejects.toThrow(/already finished/);
      expect(readFileSync(await client.downloadCheckpoint(first!.id, path.join(folder, "copy.bin"))).equals(bytes)).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("marks the job crashed with the error and rethrows when training throws; it is retried", async () => {
    const experiment = await client.createExperiment(config("sdk crash", { populationSize: 1 }));
    await expect(
      experiment.withNextJob(async () => {
        throw new Error("NaN loss at step 17");
      }),
    ).rejects.toThrow("NaN loss at step 17");
    const jobs = await experiment.jobs();
    expect(jobs[0]).toMatchObject({ status: "crashed" });
    expect(jobs[0]!.error).toMatch(/NaN loss at step 17/);
    expect(jobs[1]).toMatchObject({ status: "queued", attempt: 1, generation: 0 });
  });

  it("keeps the lease alive with background heartbeats past the lease length", async () => {
    const experiment = await client.createExperiment(config("sdk heartbeat", { populationSize: 1, leaseSeconds: 5 }));
    const done = await experiment.withNextJob(async (job) => {
      // Three times: the server's clock moves 2 s on, and a heartbeat (every second) extends the
      // lease from there. 6 s pass on the server's clock in all, more than the 5 s lease.
      for (let i = 0; i < 3; i++) {
        const now = await server.advanceClock(2);
        await waitFor(async () => Date.parse((await client.getJob(job.id)).leaseExpiresAt!) >= now.getTime() + 5_000, {
          timeoutMs: 10_000,
          what: "a heartbeat",
        });
      }
      return { accuracy: 0.9 };
    });
    expect(done).toMatchObject({ status: "done", attempt: 0 });
  });

  it("surfaces an expired lease as LeaseExpiredError", async () => {
    const experiment = await client.createExperiment(config("sdk lease", { populationSize: 1, leaseSeconds: 5 }));
    const job = (await experiment.nextJob())!; // no heartbeats started
    await server.advanceClock(6);
    await expect(job.complete({ accuracy: 1 })).rejects.toBeInstanceOf(LeaseExpiredError);
    expect(job.leaseLost).toBe(true);
  });

  it("runWorker loops until the experiment is done; 4xx errors are ApiErrors with the server's code", async () => {
    const experiment = await client.createExperiment(config("sdk loop", { exploit: { kind: "truncate", fraction: 0.5 } }));
    let calls = 0;
    const completed = await runWorker(experiment, async (job) => ({ accuracy: job.member + job.generation + calls++ / 100 }));
    expect(completed).toBe(4);
    expect((await experiment.refresh()).status).toBe("done");
    expect(await experiment.nextJob()).toBeNull();
    const error = await client.getExperiment("no such experiment").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "experiment_not_found", status: 404 });
    const bad = await client.createExperiment(config("sdk bad", { populationSize: -1 })).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "invalid_input", field: "populationSize", status: 400 });
  });

  it("stops on an abort signal, giving the job in hand back at once", async () => {
    const experiment = await client.createExperiment(config("sdk stop", { populationSize: 1 }));
    const stop = new AbortController();
    const outcomes: string[] = [];
    const completed = await runWorker(
      experiment,
      async () => {
        setTimeout(() => stop.abort("SIGTERM"), 100);
        await new Promise((r) => setTimeout(r, 60_000));
        return { accuracy: 1 };
      },
      { signal: stop.signal, onJobDone: (_, outcome) => outcomes.push(outcome) },
    );
    expect(completed).toBe(0);
    expect(outcomes).toEqual(["stopped"]);
    const jobs = await experiment.jobs();
    expect(jobs[0]).toMatchObject({ status: "crashed" });
    expect(jobs[0]!.error).toMatch(/worker stopped \(SIGTERM\)/);
    expect(jobs[1]).toMatchObject({ status: "queued", attempt: 1 });
  });

  /** Member 0 (accuracy 0.1) copies member 1 (accuracy 0.9, model_path /ckpt/donor): the exploit job, leased. */
  async function exploitJob(name: string, extra: Record<string, unknown> = {}) {
    const experiment = await client.createExperiment(config(name, { stop: { maxGenerations: 3 }, exploit: { kind: "truncate", fraction: 0.5 }, ...extra }));
    const first = (await experiment.nextJob())!;
    const second = (await experiment.nextJob())!;
    const [weak, strong] = first.member === 0 ? [first, second] : [second, first];
    await weak.complete({ accuracy: 0.1, model_path: "/ckpt/weak" });
    await strong.complete({ accuracy: 0.9, model_path: "/ckpt/donor" });
    const job = (await experiment.nextJob())!;
    expect(job).toMatchObject({ origin: "exploit", member: 0, parentId: strong.id, donorJobId: strong.id });
    return { experiment, job, donor: strong.id };
  }

  async function expectNothingStored(job: Job) {
    expect(await client.getJob(job.id)).toMatchObject({ status: "running", score: null, results: { accuracy: 0.9, model_path: "/ckpt/donor" } });
  }

  it("refuses to complete an exploit job whose metric is only the donor's, before any call; setting it works", async () => {
    const { job, donor } = await exploitJob("sdk forgotten metric");
    expect(job.results.accuracy).toBe(0.9); // the donor's, there to read
    expect(job.mutations.length).toBeGreaterThan(0);
    job.results.model_path = "/ckpt/mine";
    const error = await job.complete().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricNotSetError);
    expect(error).toMatchObject({ metric: "accuracy", jobId: job.id, sourceJobId: donor });
    expect((error as Error).message).toContain(`"accuracy"`);
    expect((error as Error).message).toContain(`inherited from job ${donor}, the donor this exploit copied`);
    expect((error as Error).message).toContain("nothing was sent");
    await expectNothingStored(job);

    job.results.accuracy = 0.4;
    const done = await job.complete();
    expect(done).toMatchObject({ status: "done", score: 0.4, results: { accuracy: 0.4, model_path: "/ckpt/mine" } });
  });

  it("tracks writes to job.results: Object.assign, an equal value, delete, a nested change", async () => {
    const assigned = await exploitJob("sdk tracking assign");
    Object.assign(assigned.job.results, { accuracy: 0.3 });
    expect((await assigned.job.complete()).score).toBe(0.3);

    const equal = await exploitJob("sdk tracking equal");
    equal.job.results.accuracy = 0.9; // this job really reached the donor's score
    expect((await equal.job.complete()).score).toBe(0.9);

    const deleted = await exploitJob("sdk tracking delete");
    deleted.job.results.accuracy = 0.5;
    delete deleted.job.results.accuracy;
    await expect(deleted.job.complete()).rejects.toBeInstanceOf(MetricNotSetError);
    await expectNothingStored(deleted.job);

    const nested = await exploitJob("sdk tracking nested");
    expect(nested.job.ownResults()).toEqual({});
    nested.job.results.history = [];
    (nested.job.results.history as number[]).push(1);
    expect(nested.job.ownResults()).toEqual({ history: [1] });
    const done = await nested.job.complete({ accuracy: 0.2 });
    expect(done.results).toEqual({ accuracy: 0.2, history: [1], model_path: "/ckpt/donor" });
  });

  it("withNextJob and runWorker mark a job that forgot its metric crashed, with the reason", async () => {
    const { experiment, job } = await exploitJob("sdk forgotten metric loop", { maxRetries: 5 });
    await job.fail("handed back for withNextJob");
    await expect(experiment.withNextJob(async () => ({ model_path: "/ckpt/x" }))).rejects.toBeInstanceOf(MetricNotSetError);
    const outcomes: string[] = [];
    const thrown = await runWorker(experiment, async () => ({ model_path: "/ckpt/y" }), {
      maxConsecutiveFailures: 2,
      onJobDone: (_, outcome) => outcomes.push(outcome),
    }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(MetricNotSetError);
    expect(outcomes).toEqual(["failed", "failed"]);
    const crashed = await experiment.jobs({ status: "crashed" });
    expect(crashed).toHaveLength(4);
    for (const j of crashed.slice(1)) {
      expect(j.score).toBeNull();
      expect(j.error).toMatch(/cannot complete without its own "accuracy"/);
    }
  });

  it("records a NaN loss without failing, and completes a job whose metric is NaN as diverged", async () => {
    const experiment = await client.createExperiment(config("sdk diverged", { populationSize: 1 }));
    const done = await experiment.withNextJob(async (job) => {
      await job.log(1, { loss: Number.NaN, accuracy: 0.1 });
      await job.log(2, { loss: Number.POSITIVE_INFINITY });
      return { accuracy: Number.NaN, loss: Number.NEGATIVE_INFINITY };
    });
    expect(done).toMatchObject({ status: "done", diverged: true, results: { accuracy: "NaN", loss: "-Infinity" } });

    const { job } = await exploitJob("sdk complete diverged");
    const diverged = await job.completeDiverged({ step: 17 });
    expect(diverged).toMatchObject({ status: "done", diverged: true, results: { accuracy: "NaN", step: 17 } });
    expect(job.diverged).toBe(true);
  });

  it("retries connection errors, then gives up with a ConnectionError", async () => {
    const nowhere = new Client({ url: "http://127.0.0.1:9", retries: 2, backoffMs: 10 });
    await expect(nowhere.listExperiments()).rejects.toBeInstanceOf(ConnectionError);
  });
});
