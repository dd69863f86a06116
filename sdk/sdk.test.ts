// The TypeScript SDK against the real server over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../server/testing/serverProcess";
import { ApiError, Client, ConnectionError, LeaseExpiredError, runWorker } from "./index";

const config = (name: string, extra: Record<string, unknown> = {}) => ({
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
    server = await startServerProcess();
    client = new Client({ url: server.url });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs jobs with withNextJob: results merged and completed, metrics logged", async () => {
    const experiment = await client.createExperiment(config("sdk basic"));
    const done = await experiment.withNextJob(async (job) => {
      expect(job.generation).toBe(0);
      expect(typeof job.hyperparameters.lr).toBe("number");
      await job.log(1, { accuracy: 0.4 });
      job.results.model_path = "/ckpt/a";
      return { accuracy: 0.5 };
    });
    expect(done).toMatchObject({ status: "done", score: 0.5, results: { accuracy: 0.5, model_path: "/ckpt/a" } });
  });

  it("marks the job crashed with the error and rethrows when training throws; it is retried", async () => {
    const experiment = await client.createExperiment(config("sdk crash", { populationSize: 1 }));
    await expect(experiment.withNextJob(async () => {
      throw new Error("NaN loss at step 17");
    })).rejects.toThrow("NaN loss at step 17");
    const jobs = await experiment.jobs();
    expect(jobs[0]).toMatchObject({ status: "crashed" });
    expect(jobs[0]!.error).toMatch(/NaN loss at step 17/);
    expect(jobs[1]).toMatchObject({ status: "queued", attempt: 1, generation: 0 });
  });

  it("keeps the lease alive with background heartbeats past the lease length", async () => {
    const experiment = await client.createExperiment(config("sdk heartbeat", { populationSize: 1, leaseSeconds: 5 }));
    const done = await experiment.withNextJob(async () => {
      await new Promise((r) => setTimeout(r, 7000));
      return { accuracy: 0.9 };
    });
    expect(done?.status).toBe("done");
  }, 30_000);

  it("surfaces an expired lease as LeaseExpiredError", async () => {
    const experiment = await client.createExperiment(config("sdk lease", { populationSize: 1, leaseSeconds: 5 }));
    const job = (await experiment.nextJob())!; // no heartbeats started
    await new Promise((r) => setTimeout(r, 6000));
    await expect(job.complete({ accuracy: 1 })).rejects.toBeInstanceOf(LeaseExpiredError);
    expect(job.leaseLost).toBe(true);
  }, 30_000);

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
    const completed = await runWorker(experiment, async () => {
      setTimeout(() => stop.abort("SIGTERM"), 100);
      await new Promise((r) => setTimeout(r, 60_000));
      return { accuracy: 1 };
    }, { signal: stop.signal, onJobDone: (_, outcome) => outcomes.push(outcome) });
    expect(completed).toBe(0);
    expect(outcomes).toEqual(["stopped"]);
    const jobs = await experiment.jobs();
    expect(jobs[0]).toMatchObject({ status: "crashed" });
    expect(jobs[0]!.error).toMatch(/worker stopped \(SIGTERM\)/);
    expect(jobs[1]).toMatchObject({ status: "queued", attempt: 1 });
  });

  it("retries connection errors, then gives up with a ConnectionError", async () => {
    const nowhere = new Client({ url: "http://127.0.0.1:9", retries: 2, backoffMs: 10 });
    await expect(nowhere.listExperiments()).rejects.toBeInstanceOf(ConnectionError);
  });
});
