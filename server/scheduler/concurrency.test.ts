// 32 concurrent workers over real HTTP until the experiment is done: on PGlite with one server
// process, and on PostgreSQL with two server processes sharing the database.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDatabase, describeEachDatabase } from "../testing/databases";
import { startServerProcess, type ServerProcess } from "../testing/serverProcess";
import { simulatedWorker, type Claim } from "../testing/worker";
import { expectCompleteLineages, type LineageJob } from "../testing/lineages";

const POPULATION = 16;
const GENERATIONS = 5;
const WORKERS = 32;

describeEachDatabase("32 concurrent workers", (kind) => {
  const servers: ServerProcess[] = [];
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (kind === "postgres") {
      const db = await createPostgresDatabase();
      drop = db.drop;
      servers.push(...(await Promise.all([startServerProcess({ databaseUrl: db.url }), startServerProcess({ databaseUrl: db.url })])));
    } else {
      servers.push(await startServerProcess());
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await drop?.();
  });

  it("hands out every job exactly once and loses no result", async () => {
    const urls = servers.map((s) => s.url);
    const name = `concurrency ${kind}`;
    const created = await fetch(`${urls[0]}/api/v1/experiments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name,
        metric: "score",
        populationSize: POPULATION,
        stop: { maxGenerations: GENERATIONS },
        exploit: { kind: "truncate", fraction: 0.25 },
        hyperparameters: { lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb" } } },
        seed: 3,
      }),
    });
    expect(created.status).toBe(201);

    const claims: Claim[] = [];
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => simulatedWorker(i % 2 ? [...urls].reverse() : urls, name, `w${i}`, claims)));

    // Exactly once: no job id was handed to two workers.
    expect(new Set(claims.map((c) => c.jobId)).size).toBe(claims.length);
    // Several workers really ran at once.
    expect(new Set(claims.map((c) => c.worker)).size).toBeGreaterThan(4);

    const jobs: (LineageJob & { score: number })[] = await (await fetch(`${urls[1 % urls.length]}/api/v1/experiments/${encodeURIComponent(name)}/jobs`)).json();
    // Every job was handed out, every member reached the last generation along its lineage, and
    // each job holds the score its worker reported.
    expect(claims).toHaveLength(jobs.length);
    expectCompleteLineages(jobs, POPULATION, GENERATIONS);
    const reported = new Map(claims.map((c) => [c.jobId, c.reported]));
    for (const job of jobs) {
      expect(job.status).toBe("done");
      expect(job.score).toBe(reported.get(job.id));
    }

    const experiment = await (await fetch(`${urls[0]}/api/v1/experiments/${encodeURIComponent(name)}`)).json();
    expect(experiment.status).toBe("done");
    const events: { seq: number; type: string; jobId: number | null }[] = await (
      await fetch(`${urls[0]}/api/v1/experiments/${encodeURIComponent(name)}/events?limit=1000`)
    ).json();
    // Events are gap-free and in order, one start and one finish per job.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === "job.started")).toHaveLength(jobs.length);
    const finished = events.filter((e) => e.type === "job.finished").map((e) => e.jobId);
    expect(new Set(finished).size).toBe(jobs.length);
    expect(events.at(-1)?.type).toBe("experiment.status");
  }, 240_000);
});
