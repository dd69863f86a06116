// The MNIST example with its checkpoints uploaded to the server, through real server processes and
// real worker processes (scaled down from bench/checkpoints.ts's 8 × 30): garbage collection by
// lineage keeps about two checkpoints per member at any time rather than one per job, never
// deletes one a later job loads (a failed download would crash its job: none did), and the best
// checkpoint is there after the run. PGlite with the directory store; then PostgreSQL with two
// server processes sharing an S3-compatible store (s3rver).
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase, describeOnPostgres } from "../../server/testing/databases";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { expectCompleteLineages, type LineageJob } from "../../server/testing/lineages";
import { startLocalS3, type LocalS3 } from "../../server/testing/localS3";
import { runMnistOnServerCheckpoints, type CheckpointRunReport } from "./checkpointRun";
import { Mlp } from "./model";

const POPULATION = 8;
const GENERATIONS = 6;
const EXAMPLES = 150;
const BATCH = 30;

function filesUnder(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count++;
  return count;
}

async function expectKeptByLineage(report: CheckpointRunReport, url: string, name: string, storedNow: number) {
  const { jobs } = report;
  // Every job finished: a checkpoint missing when a job loaded it would have crashed that job.
  expect(
    jobs.filter((j) => j.status !== "done"),
    report.workerOutput,
  ).toEqual([]);
  expectCompleteLineages(jobs as unknown as LineageJob[], POPULATION, GENERATIONS);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const job of jobs) {
    expect(job.checkpoint, `job ${job.id} uploaded its checkpoint`).not.toBeNull();
    expect(job.results.model_path).toBeUndefined();
    // Each job trained on from its parent's (or donor's) weights: steps count on from the parent's.
    const parentSteps = job.parentId === null ? 0 : (byId.get(job.parentId)!.results.step as number);
    expect(job.results.step).toBe(parentSteps + EXAMPLES / BATCH);
  }
  expect(report.uploads).toBe(jobs.length);
  // Not one per job: about two per member (each member's latest, and the parents and uploads of
  // the jobs in training), replayed exactly from the event log, and as seen on disk.
  expect(report.peakStored).toBeLessThanOrEqual(2 * POPULATION);
  expect(report.peakSampled).toBeLessThanOrEqual(2 * POPULATION);
  expect(report.deleted).toBeGreaterThan(jobs.length / 2);
  const usage = (await (await fetch(`${url}/api/v1/experiments/${encodeURIComponent(name)}/checkpoints`)).json()) as {
    stored: { count: number };
    deleted: { count: number };
    best: { jobId: number; checkpoint: { sha256: string } | null };
  };
  expect(usage.stored.count + usage.deleted.count).toBe(jobs.length);
  expect(storedNow).toBe(usage.stored.count);
  // The best checkpoint outlives the run, whole.
  const best = await fetch(`${url}/api/v1/experiments/${encodeURIComponent(name)}/best-checkpoint`);
  expect(best.status).toBe(200);
  const bytes = Buffer.from(await best.arrayBuffer());
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(usage.best.checkpoint!.sha256);
  const model = Mlp.fromBuffer(bytes);
  const bestJob = jobs.find((j) => j.id === usage.best.jobId) as unknown as { hyperparameters: { hidden_units: number } };
  expect(model.shape.hidden).toBe(bestJob.hyperparameters.hidden_units);
}

describe("MNIST on the server's checkpoints [pglite, directory store]", () => {
  let server: ServerProcess;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "lineage-mnist-checkpoints-"));
  beforeAll(async () => {
    server = await startServerProcess({ dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`runs ${POPULATION} × ${GENERATIONS} keeping about 2 × population checkpoints, every download served`, async () => {
    const store = path.join(dataDir, "checkpoints", "experiments");
    const count = async () => (existsSync(store) ? filesUnder(store) : 0);
    const report = await runMnistOnServerCheckpoints({
      urls: [server.url],
      name: "MNIST checkpoints",
      populationSize: POPULATION,
      maxGenerations: GENERATIONS,
      workers: 2,
      examplesPerJob: EXAMPLES,
      batchSize: BATCH,
      validationLimit: 200,
      countStored: count,
    });
    console.log(
      `MNIST on server checkpoints (PGlite, directory): ${report.jobs.length} jobs in ${report.seconds.toFixed(1)} s; peak ${report.peakStored} stored (${report.peakSampled} seen on disk), ${report.deleted} deleted`,
    );
    await expectKeptByLineage(report, server.url, "MNIST checkpoints", await count());
    expect(server.output()).not.toMatch(/internal error|Error:/);
  }, 240_000);
});

describeOnPostgres("MNIST on the server's checkpoints, two server processes sharing an S3 store", () => {
  let servers: ServerProcess[] = [];
  let s3: LocalS3;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    s3 = await startLocalS3();
    const database = await createPostgresDatabase();
    drop = database.drop;
    // One after the other: the first applies the migrations.
    servers.push(await startServerProcess({ databaseUrl: database.url, env: s3.env("mnist/") }));
    servers.push(await startServerProcess({ databaseUrl: database.url, env: s3.env("mnist/") }));
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    servers = [];
    await drop?.();
    await s3?.close();
  });

  it(`runs ${POPULATION} × ${GENERATIONS} with workers on both processes, the same guarantees`, async () => {
    const bucket = s3.store("mnist/");
    const count = async () => {
      let n = 0;
      for await (const _ of bucket.list("experiments/")) n++;
      return n;
    };
    const report = await runMnistOnServerCheckpoints({
      urls: servers.map((s) => s.url),
      name: "MNIST checkpoints on S3",
      populationSize: POPULATION,
      maxGenerations: GENERATIONS,
      workers: 2,
      examplesPerJob: EXAMPLES,
      batchSize: BATCH,
      validationLimit: 200,
      countStored: count,
    });
    console.log(
      `MNIST on server checkpoints (PostgreSQL, 2 processes, S3): ${report.jobs.length} jobs in ${report.seconds.toFixed(1)} s; peak ${report.peakStored} stored (${report.peakSampled} seen in the bucket), ${report.deleted} deleted`,
    );
    await expectKeptByLineage(report, servers[1]!.url, "MNIST checkpoints on S3", await count());
  }, 300_000);
});
