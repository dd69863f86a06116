// The statistics keeper analyzes a PGlite table once enough of it changed, as PostgreSQL's
// auto-analyze would, and a table that was never analyzed at once.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./client";
import { keepStatistics, STATISTICS_TARGET, type StatisticsKeeper } from "./statistics";

async function addEvents(db: Database, experimentId: number, count: number) {
  await db.sql.query`
    INSERT INTO "Event" ("experimentId", seq, type, data)
    SELECT ${experimentId}, coalesce((SELECT max(seq) FROM "Event"), 0) + i, 'job.created', '{"note": "x"}'
    FROM generate_series(1, ${count}::int) i`;
}

async function analyzed(db: Database, table: string) {
  const [row] = await db.sql.query<{ analyzeCount: number; changed: number; reltuples: number }>`
    SELECT s.analyze_count AS "analyzeCount", s.n_mod_since_analyze AS changed, c.reltuples
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = ${table}`;
  return row!;
}

describe("statistics keeper (PGlite)", () => {
  let db: Database;
  let keeper: StatisticsKeeper;
  let experimentId: number;

  beforeAll(async () => {
    db = await openDatabase({ dataDir: "memory://" });
    // Checked by hand below; the timer's own checks are an hour apart.
    keeper = keepStatistics(db.sql, { intervalMs: 3_600_000 });
    const [row] = await db.sql.query<{ id: number }>`INSERT INTO "Experiment" (name, config, "updatedAt") VALUES ('e', '{}', now()) RETURNING id`;
    experimentId = row!.id;
    await keeper.check(); // whatever the migrations and the experiment's row left to analyze
  });

  afterAll(async () => {
    await keeper?.stop();
    await db?.close();
  });

  it("analyzes a table with rows that was never analyzed at once", async () => {
    expect(await analyzed(db, "Event")).toMatchObject({ analyzeCount: 0, reltuples: -1 });
    await addEvents(db, experimentId, 40);
    expect(await keeper.check()).toContain("Event");
    expect(await analyzed(db, "Event")).toMatchObject({ analyzeCount: 1, changed: 0, reltuples: 40 });
  });

  it("analyzes a table again once the rows changed since pass 50 + 10 % of the rows it had then", async () => {
    await addEvents(db, experimentId, 50); // 50 changes: not more than 50 + 4
    expect(await keeper.check()).not.toContain("Event");
    await addEvents(db, experimentId, 10);
    expect(await keeper.check()).toContain("Event");
    expect(await analyzed(db, "Event")).toMatchObject({ analyzeCount: 2, changed: 0, reltuples: 100 });

    await addEvents(db, experimentId, 900);
    expect(await keeper.check()).toContain("Event");
    expect(await analyzed(db, "Event")).toMatchObject({ analyzeCount: 3, reltuples: 1_000 });
    // 1,000 rows now: 100 changes are not enough, 200 are.
    await db.sql.query`UPDATE "Event" SET type = 'job.started' WHERE seq <= 100`;
    expect(await keeper.check()).not.toContain("Event");
    await db.sql.query`UPDATE "Event" SET type = 'job.started' WHERE seq > 900`;
    expect(await keeper.check()).toContain("Event");
    expect((await analyzed(db, "Event")).analyzeCount).toBe(4);
  });

  it("samples a few thousand rows", async () => {
    const [seq] = await db.sql.query<{
      bounds: number | null;
    }>`SELECT array_length(histogram_bounds, 1) AS bounds FROM pg_stats WHERE tablename = 'Event' AND attname = 'seq'`;
    expect(seq!.bounds).toBeLessThanOrEqual(STATISTICS_TARGET + 1);
  });

  it("runs on its timer until stopped", async () => {
    const timed = keepStatistics(db.sql, { intervalMs: 20 });
    await addEvents(db, experimentId, 300);
    const before = (await analyzed(db, "Event")).analyzeCount;
    for (let i = 0; i < 100 && (await analyzed(db, "Event")).analyzeCount === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await analyzed(db, "Event")).analyzeCount).toBe(before + 1);
    await timed.stop();
    await addEvents(db, experimentId, 300);
    await new Promise((r) => setTimeout(r, 100));
    expect((await analyzed(db, "Event")).analyzeCount).toBe(before + 1);
  });
});

describe("statistics keeper after a restart", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lineage-statistics-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("analyzes at once a table with rows that was never analyzed, although PGlite forgot its change counters", async () => {
    let db = await openDatabase({ dataDir: dir });
    const [row] = await db.sql.query<{ id: number }>`INSERT INTO "Experiment" (name, config, "updatedAt") VALUES ('e', '{}', now()) RETURNING id`;
    await addEvents(db, row!.id, 500);
    await db.close();

    db = await openDatabase({ dataDir: dir });
    try {
      expect(await analyzed(db, "Event")).toMatchObject({ changed: 0, reltuples: -1 });
      const keeper = keepStatistics(db.sql, { intervalMs: 3_600_000 });
      expect(await keeper.check()).toContain("Event");
      await keeper.stop();
      expect((await analyzed(db, "Event")).reltuples).toBe(500);
    } finally {
      await db.close();
    }
  });
});
