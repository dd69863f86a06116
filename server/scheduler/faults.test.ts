// Faults: the server killed (-9) in the middle of a run and restarted; one of two server processes
// killed; a worker that hangs and reports after its lease was taken over.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client } from "../../sdk/client";
import { runWorker } from "../../sdk/worker";
import { createPostgresDatabase, describeEachDatabase, describeOnPostgres } from "../testing/databases";
import { freePort, startServerProcess, type ServerProcess } from "../testing/serverProcess";
import { expectCompleteLineages, type LineageJob } from "../testing/lineages";
import { waitFor } from "../testing/waitFor";

type JobRow = LineageJob & { workerId: string | null };

const experimentConfig = (name: string, populationSize: number, maxGenerations: number) =>
  ({
    name,
    metric: "score",
    populationSize,
    stop: { maxGenerations },
    leaseSeconds: 5,
    maxRetries: 10,
    hyperparameters: { x: { init: { kind: "uniform", low: 0, high: 1 }, explore: { kind: "perturb" } } },
    seed: 21,
  }) as never;

async function jobsOf(url: string, name: string): Promise<JobRow[]> {
  return (await fetch(`${url}/api/v1/experiments/${encodeURIComponent(name)}/jobs`)).json();
}

const expectComplete = expectCompleteLineages;

/** SDK workers recording the jobs they were handed and the ones they completed. */
function startWorkers(url: string, name: string, count: number, record: { claimed: number[]; completed: number[] }, retries?: number) {
  const client = new Client({ url, retries });
  return Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      const experiment = await client.getExperiment(name);
      return runWorker(
        experiment,
        async (job) => {
          record.claimed.push(job.id);
          await new Promise((r) => setTimeout(r, 30 + ((job.id * 37) % 70)));
          return { score: job.member + job.generation / 10 };
        },
        { workerId: `w${i}`, onJobDone: (job, outcome) => outcome === "done" && record.completed.push(job.id) },
      );
    }),
  );
}

describeEachDatabase("server killed with -9 mid-run and restarted", (kind) => {
  let dataDir: string | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    if (kind === "postgres") database = await createPostgresDatabase();
    else dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-kill-"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("loses no job, hands none out twice, and the workers carry on to the end", async () => {
    const port = String(await freePort());
    const start = async () => {
      const server = await startServerProcess({ databaseUrl: database?.url, dataDir, env: { PORT: port } });
      servers.push(server);
      return server;
    };
    const first = await start();
    const name = `kill -9 ${kind}`;
    const [population, generations] = [6, 6];
    await new Client({ url: first.url }).createExperiment(experimentConfig(name, population, generations));
    const record = { claimed: [] as number[], completed: [] as number[] };
    const workers = startWorkers(first.url, name, 4, record);
    await waitFor(() => record.completed.length >= 10, { timeoutMs: 60_000 });
    await first.kill();
    const second = await start();
    const outcomes = await workers;
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);

    const jobs = await jobsOf(second.url, name);
    expectComplete(jobs, population, generations);
    // No job was handed to two workers, and no job was completed twice.
    expect(new Set(record.claimed).size).toBe(record.claimed.length);
    expect(new Set(record.completed).size).toBe(record.completed.length);
    // Every completion a worker saw acknowledged is stored.
    for (const id of record.completed) expect(jobs.find((j) => j.id === id)?.status).toBe("done");
    const experiment = await (await fetch(`${second.url}/api/v1/experiments/${encodeURIComponent(name)}`)).json();
    expect(experiment.status).toBe("done");
  }, 180_000);
});

describeOnPostgres("one of two server processes killed", () => {
  const servers: ServerProcess[] = [];
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createPostgresDatabase();
    servers.push(...(await Promise.all([startServerProcess({ databaseUrl: database.url }), startServerProcess({ databaseUrl: database.url })])));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
  });

  it("the other carries the experiment to the end", async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const name = "one of two killed";
    await new Client({ url: a.url }).createExperiment(experimentConfig(name, 6, 5));
    const onA = { claimed: [] as number[], completed: [] as number[] };
    const onB = { claimed: [] as number[], completed: [] as number[] };
    // Workers on A give up quickly once A is gone; the ones on B carry on.
    const workersA = startWorkers(a.url, name, 3, onA, 1);
    const workersB = startWorkers(b.url, name, 3, onB);
    await waitFor(() => onA.completed.length >= 5, { timeoutMs: 60_000 });
    await a.kill();
    expect((await workersB).every((o) => o.status === "fulfilled")).toBe(true);
    await workersA;
    const jobs = await jobsOf(b.url, name);
    expectComplete(jobs, 6, 5);
    const claimed = [...onA.claimed, ...onB.claimed];
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(onB.completed.length).toBeGreaterThan(0);
  }, 180_000);

  it("refuses to start against an unreachable PostgreSQL, with a clear message and a non-zero exit", async () => {
    const error = await startServerProcess({ databaseUrl: "postgresql://nobody:secret@127.0.0.1:1/lineage" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/server exited with 1 before listening/);
    expect((error as Error).message).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/lineage/);
    expect((error as Error).message).not.toMatch(/secret/);
  });
});
