// The population read's plans on PGlite with a long history: the walks of the member index
// whatever the statistics say (none, current, or gathered before any job had finished), and the
// job budget's count kept on the experiment's row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../testing/databases";
import type { Database } from "../db/client";
import type { SqlQueryable } from "../db/sql";
import { experimentConfigSchema, type ExperimentConfig } from "../pbt/config";
import { loadPopulation } from "./population";
import { claim, createTestScheduler, type TestScheduler } from "../testing/testScheduler";

const MEMBERS = 256;
/** Jobs of each statement, as the scheduler writes them in a busy batch. */
const BATCH = 128;
/** Finished jobs of the big experiment (30,080): the old plan read all of them once per member. */
const FINISHED = 235 * BATCH;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Scan Direction"?: string;
  Plans?: PlanNode[];
}

/** The scans of "Job" in a plan: node type, direction, and the index (or indexes, for a bitmap) it reads. */
function jobScans(plan: PlanNode): { node: string; direction?: string; indexes: string[] }[] {
  const found: { node: string; direction?: string; indexes: string[] }[] = [];
  const bitmapIndexes = (n: PlanNode): string[] => [
    ...(n["Node Type"] === "Bitmap Index Scan" ? [n["Index Name"]!] : []),
    ...(n.Plans ?? []).flatMap(bitmapIndexes),
  ];
  const visit = (n: PlanNode) => {
    if (n["Relation Name"] === "Job") {
      const indexes = n["Index Name"] ? [n["Index Name"]] : bitmapIndexes(n);
      found.push({ node: n["Node Type"], direction: n["Scan Direction"], indexes });
    }
    for (const child of n.Plans ?? []) visit(child);
  };
  visit(plan);
  return found;
}

/** Runs loadPopulation and returns the plan PostgreSQL picks for each of its statements, as they were sent. */
async function populationPlans(db: Database, experimentId: number, config: ExperimentConfig) {
  const statements: { strings: TemplateStringsArray; values: unknown[] }[] = [];
  const population = await db.sql.transaction(async (tx) => {
    const watched: SqlQueryable = {
      query(strings, ...values) {
        statements.push({ strings, values });
        return tx.query(strings, ...values);
      },
    };
    return loadPopulation(watched as never, experimentId, config);
  });
  const plans = [];
  for (const { strings, values } of statements) {
    const explain = [`EXPLAIN (FORMAT JSON) ${strings[0]}`, ...strings.slice(1)];
    const rows = await db.sql.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(Object.assign(explain, { raw: explain }), ...values);
    plans.push({ text: strings.join("$"), scans: jobScans(rows[0]!["QUERY PLAN"][0].Plan) });
  }
  return Object.assign(plans, { population });
}

describe("the population read's plans on PGlite, 256 members and 30,080 finished jobs", () => {
  let db: Database;
  let experimentId: number;
  let config: ExperimentConfig;
  /** Plans taken with statistics gathered while no job had finished yet. */
  let stalePlans: Awaited<ReturnType<typeof populationPlans>>;

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    const q = (text: string) => db.sql.query(Object.assign([text], { raw: [text] }));
    // sync (so the ranked generation's results are read too) with a job budget (so it is counted).
    config = experimentConfigSchema.parse({
      name: "long history",
      metric: "score",
      populationSize: MEMBERS,
      mode: "sync",
      stop: { maxGenerations: 1_000, maxJobs: 1_000_000 },
      hyperparameters: { lr: { init: { kind: "uniform", low: 0.1, high: 1 }, explore: { kind: "perturb" } } },
    }) as ExperimentConfig;
    await q(`INSERT INTO "Experiment" (name, config, "updatedAt") VALUES ('other', '{}', now())`);
    const [row] = await db.sql.query<{ id: number }>`
      INSERT INTO "Experiment" (name, config, "updatedAt") VALUES (${config.name}, ${JSON.stringify(config)}::jsonb, now()) RETURNING id`;
    experimentId = row!.id;
    // The long one, written the way the scheduler writes it: batches of jobs handed out as they are
    // created, then completed together, members interleaved. The last batch is still running.
    for (let from = 0; from <= FINISHED; from += BATCH) {
      await q(`INSERT INTO "Job" ("experimentId", member, generation, status, hyperparameters, results, origin, "workerId", "leaseToken", "leaseExpiresAt", "startedAt")
        SELECT ${experimentId}, (i * 37) % ${MEMBERS}, i / ${MEMBERS}, 'running', jsonb_build_object('lr', random()),
               jsonb_build_object('score', random(), 'model_path', '/checkpoints/' || i), 'continue', 'worker-' || (i % 256), md5(i::text), now(), now()
        FROM generate_series(${from}, ${from + BATCH - 1}) i`);
      if (from === 0) {
        // The statistics of a database analyzed at this point: jobs running, none done.
        await q(`ANALYZE "Job"`);
        // Another experiment's short history.
        await q(`INSERT INTO "Job" ("experimentId", member, generation, status, hyperparameters, results, origin, score)
          SELECT 1, i % 8, i / 8, 'done', '{"lr": 0.5}', '{"score": 0.5}', 'continue', 0.5 FROM generate_series(0, 999) i`);
      }
      if (from === FINISHED) break;
      // Two heartbeats (each writes a new version of the row, as the lease's expiry is indexed).
      for (let beat = 0; beat < 2; beat++) {
        await q(`UPDATE "Job" SET "heartbeatAt" = now(), "leaseExpiresAt" = now() + interval '5 minutes'
          WHERE "experimentId" = ${experimentId} AND status = 'running'`);
      }
      await q(`UPDATE "Job" SET status = 'done', score = random(), "finishedAt" = now(), "leaseToken" = NULL
        WHERE "experimentId" = ${experimentId} AND status = 'running'`);
    }
    // A few members whose newest jobs were pruned (queued when the experiment ended, before it was extended).
    await q(`INSERT INTO "Job" ("experimentId", member, generation, status, hyperparameters, origin)
      SELECT ${experimentId}, m, 1000, 'pruned', '{"lr": 0.5}', 'manual' FROM generate_series(200, 203) m, generate_series(1, 2)`);
    stalePlans = await populationPlans(db, experimentId, config);
  }, 180_000);

  afterAll(async () => {
    await db?.close();
  });

  async function expectMemberWalks(plans: Awaited<ReturnType<typeof populationPlans>>) {
    // members (walked from the latest job to the latest finished one), the ranked generation's results, the budget.
    expect(plans).toHaveLength(3);
    const [members, generations, budget] = plans;
    expect(members!.text).toContain("WITH RECURSIVE walk");
    // The first step and every further one: the member index, in order, nothing else.
    expect(members!.scans).toEqual([
      { node: "Index Scan", direction: "Backward", indexes: ["Job_experimentId_member_id_idx"] },
      { node: "Index Scan", direction: "Backward", indexes: ["Job_experimentId_member_id_idx"] },
    ]);
    // And what it found is what a full scan finds.
    const expected = await db.sql.query<{ member: number; latest: number; latestStatus: string; lastDone: number | null }>`
      SELECT member, max(id) FILTER (WHERE status <> 'pruned') AS latest, max(id) FILTER (WHERE status = 'done') AS "lastDone",
             (array_agg(status ORDER BY id DESC) FILTER (WHERE status <> 'pruned'))[1] AS "latestStatus"
      FROM "Job" WHERE "experimentId" = ${experimentId} GROUP BY member ORDER BY member`;
    expect(
      plans.population.members.map((m) => ({ member: m.member, latest: m.latest.jobId, latestStatus: m.latest.status, lastDone: m.lastDone?.jobId ?? null })),
    ).toEqual(expected);
    expect(expected.filter((m) => m.latestStatus === "running")).toHaveLength(BATCH);
    expect(generations!.text).toContain("generation = ANY");
    expect(generations!.scans).toHaveLength(1);
    expect(generations!.scans[0]!.indexes).toEqual(["Job_experimentId_generation_idx"]);
    expect(budget!.text).toContain('"jobsCreated"');
    expect(budget!.scans).toEqual([]);
  }

  it("with statistics gathered before any job finished (which say no job is done)", async () => {
    await expectMemberWalks(stalePlans);
  });

  it("without statistics (PGlite never gathers them by itself)", async () => {
    await db.sql.query`DELETE FROM pg_statistic WHERE starelid = '"Job"'::regclass`;
    await db.sql.query`UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE oid = '"Job"'::regclass`;
    const [never] = await db.sql.query<{ reltuples: number }>`SELECT reltuples FROM pg_class WHERE oid = '"Job"'::regclass`;
    expect(never!.reltuples).toBe(-1);
    await expectMemberWalks(await populationPlans(db, experimentId, config));
  });

  it("without column statistics and with a row count 100 times too high", async () => {
    // The planner then expects many jobs per member and few of them finished: fetching all of a
    // member's jobs and sorting them looks cheaper than walking the index and filtering.
    await db.sql.query`
      UPDATE pg_class SET reltuples = 100 * (SELECT count(*) FROM "Job"), relpages = pg_relation_size('"Job"'::regclass) / 8192
      WHERE oid = '"Job"'::regclass`;
    await expectMemberWalks(await populationPlans(db, experimentId, config));
  });

  it("with current statistics", async () => {
    await db.sql.query`ANALYZE "Job"`;
    await expectMemberWalks(await populationPlans(db, experimentId, config));
  });

  it("PB2's history in async mode: each member's newest finished jobs through the member index, with or without statistics", async () => {
    // Parents for the finished jobs (a PB2 point is a job and the score it started from).
    await db.sql.query`
      UPDATE "Job" j SET "parentId" = p.id FROM "Job" p
      WHERE j."experimentId" = ${experimentId} AND p."experimentId" = ${experimentId} AND p.member = j.member AND p.generation = j.generation - 1`;
    const pb2 = experimentConfigSchema.parse({
      ...config,
      mode: "async",
      hyperparameters: { lr: { init: { kind: "uniform", low: 0.1, high: 1 }, explore: { kind: "pb2" } } },
    }) as ExperimentConfig;
    // Each member's newest finished job with a parent (PB2_HISTORY = 64 over 256 members: one each).
    const expected = await db.sql.query<{ id: number }>`
      SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY member ORDER BY id DESC) AS n FROM "Job"
        WHERE "experimentId" = ${experimentId} AND status = 'done' AND "parentId" IS NOT NULL
      ) newest WHERE n = 1 ORDER BY id`;
    expect(expected).toHaveLength(MEMBERS);
    for (const statistics of ["none", "current"] as const) {
      if (statistics === "none") {
        await db.sql.query`DELETE FROM pg_statistic WHERE starelid = '"Job"'::regclass`;
        await db.sql.query`UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE oid = '"Job"'::regclass`;
      } else {
        await db.sql.query`ANALYZE "Job"`;
      }
      const plans = await populationPlans(db, experimentId, pb2);
      const history = plans.find((p) => p.text.includes('"parentScore"'))!;
      expect(history.scans[0], statistics).toEqual({ node: "Index Scan", direction: "Backward", indexes: ["Job_experimentId_member_id_idx"] });
      expect(plans.population.pb2History!.map((p) => p.jobId).sort((a, b) => a - b)).toEqual(expected.map((e) => e.id));
    }
  });
});

describe("the job budget's count on the experiment's row", () => {
  let s: TestScheduler;
  beforeAll(async () => {
    s = await createTestScheduler("pglite");
  });
  afterAll(async () => {
    await s?.close();
  });

  async function counted(name: string) {
    const [row] = await s.database.sql.query<{ kept: number; counted: number }>`
      SELECT e."jobsCreated" AS kept,
             (SELECT count(*)::int FROM "Job" j WHERE j."experimentId" = e.id AND j.attempt = 0 AND j.status <> 'pruned') AS counted
      FROM "Experiment" e WHERE e.name = ${name}`;
    return row!;
  }

  it("counts first attempts, not retries, and forgets pruned jobs", async () => {
    await s.create({ name: "budget", populationSize: 3, stop: { maxGenerations: 10, maxJobs: 100 }, maxRetries: 2 });
    const first = await claim(s, "budget");
    await s.scheduler.failJob(first.job.id, first.leaseToken, "transient"); // its retry is queued
    await claim(s, "budget"); // the retry
    const other = await claim(s, "budget");
    await s.scheduler.completeJob(other.job.id, other.leaseToken, { score: 1 });
    await s.scheduler.pushJob("budget", { hyperparameters: { lr: 0.5 }, member: other.job.member });
    await s.scheduler.pushJob("budget", { hyperparameters: { lr: 0.5 } });
    expect(await counted("budget")).toEqual({ kept: 4, counted: 4 });
    await s.scheduler.setExperimentStatus("budget", "done"); // prunes the two pushed jobs
    expect(await counted("budget")).toEqual({ kept: 2, counted: 2 });
  });
});
