import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, Prisma, type Database } from "./client";
import { createPostgresDatabase, createTestDatabase, describeEachDatabase } from "../testing/databases";

describeEachDatabase("Prisma client", (kind) => {
  let db: Database & { url?: string };
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("round-trips rows through the generated client", async () => {
    const { prisma } = db;
    const exp = await prisma.experiment.create({
      data: { name: "crud", config: { population: 4, nested: { a: [1, 2.5, "x"] } } },
    });
    expect(exp.status).toBe("running");
    expect(exp.createdAt).toBeInstanceOf(Date);

    const job = await prisma.job.create({
      data: {
        experimentId: exp.id,
        member: 0,
        generation: 0,
        status: "queued",
        origin: "initial",
        hyperparameters: { lr: 0.01 },
        leaseExpiresAt: new Date("2030-01-02T03:04:05.678Z"),
      },
    });
    expect(job.results).toEqual({});
    expect(job.mutations).toEqual([]);
    expect(job.leaseExpiresAt?.toISOString()).toBe("2030-01-02T03:04:05.678Z");

    const point = await prisma.metricPoint.create({
      data: { experimentId: exp.id, jobId: job.id, member: 0, step: 1, values: { loss: 0.5 } },
    });
    expect(typeof point.id).toBe("bigint");

    await prisma.job.update({ where: { id: job.id }, data: { status: "done", score: 0.875, results: { acc: 0.875 } } });
    const loaded = await prisma.experiment.findUniqueOrThrow({
      where: { name: "crud" },
      include: { jobs: { include: { metricPoints: true } } },
    });
    expect(loaded.config).toEqual({ population: 4, nested: { a: [1, 2.5, "x"] } });
    expect(loaded.jobs).toHaveLength(1);
    expect(loaded.jobs[0]!.score).toBe(0.875);
    expect(loaded.jobs[0]!.metricPoints[0]!.values).toEqual({ loss: 0.5 });

    // Constraint errors come back as Prisma's known errors on both drivers.
    const dup = await prisma.experiment.create({ data: { name: "crud", config: {} } }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((dup as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");

    // Cascades.
    await prisma.experiment.delete({ where: { id: exp.id } });
    expect(await prisma.job.count({ where: { experimentId: exp.id } })).toBe(0);
    expect(await prisma.metricPoint.count({ where: { experimentId: exp.id } })).toBe(0);
  });

  it("runs interactive transactions: commit, and rollback on a throw", async () => {
    const { prisma } = db;
    const exp = await prisma.experiment.create({ data: { name: "tx", config: {} } });
    await prisma.$transaction(async (tx) => {
      const e = await tx.experiment.update({ where: { id: exp.id }, data: { lastEventSeq: { increment: 1 } } });
      await tx.event.create({ data: { experimentId: exp.id, seq: e.lastEventSeq, type: "experiment.status" } });
    });
    await expect(
      prisma.$transaction(async (tx) => {
        const e = await tx.experiment.update({ where: { id: exp.id }, data: { lastEventSeq: { increment: 1 } } });
        await tx.event.create({ data: { experimentId: exp.id, seq: e.lastEventSeq, type: "x" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    const after = await prisma.experiment.findUniqueOrThrow({ where: { id: exp.id }, include: { events: true } });
    expect(after.lastEventSeq).toBe(1);
    expect(after.events.map((e) => e.seq)).toEqual([1]);
  });

  // Not the scheduler's way (it locks the experiment's row), but bench/scheduler.ts's raw-database
  // baseline claims jobs so, on both kinds.
  it("claims rows with SELECT ... FOR UPDATE SKIP LOCKED inside a transaction", async () => {
    const { prisma } = db;
    const exp = await prisma.experiment.create({ data: { name: "claims", config: {} } });
    await prisma.job.createMany({
      data: [0, 1, 2, 3].map((member) => ({
        experimentId: exp.id,
        member,
        generation: 0,
        status: "queued",
        origin: "initial",
        hyperparameters: {},
      })),
    });
    const claim = (worker: string) =>
      prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: number }[]>`
          SELECT "id" FROM "Job"
           WHERE "experimentId" = ${exp.id} AND "status" = 'queued'
           ORDER BY "id" LIMIT 1
           FOR UPDATE SKIP LOCKED`;
        const row = rows[0];
        if (!row) return null;
        // Hold the row lock a moment so concurrent claimers really overlap on PostgreSQL.
        await tx.$executeRaw`SELECT pg_sleep(0.05)`;
        await tx.job.update({ where: { id: row.id }, data: { status: "running", workerId: worker } });
        return row.id;
      });
    const claimed = await Promise.all(["a", "b", "c", "d", "e"].map(claim));
    const ids = claimed.filter((x): x is number => x !== null);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(claimed.filter((x) => x === null)).toHaveLength(1);
    expect(await prisma.job.count({ where: { experimentId: exp.id, status: "running" } })).toBe(4);
  });

  // PGlite is one connection: two transactions cannot overlap there, so this is PostgreSQL's alone
  // (registered only there, so that CI=true runs count no skipped test).
  (kind === "postgres" ? it : () => {})("gives concurrent claimers different rows at the same time", async () => {
    const { prisma } = db;
    const exp = await prisma.experiment.create({ data: { name: "concurrent-claims", config: {} } });
    await prisma.job.createMany({
      data: [0, 1].map((member) => ({
        experimentId: exp.id,
        member,
        generation: 0,
        status: "queued",
        origin: "initial",
        hyperparameters: {},
      })),
    });
    // Two transactions hold their locks together: the second must skip the first one's row.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let lockedId!: (id: number) => void;
    const firstLocked = new Promise<number>((r) => (lockedId = r)); // no Promise.withResolvers on Node 20
    const first = prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ id: number }[]>`
        SELECT "id" FROM "Job" WHERE "experimentId" = ${exp.id} ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED`;
      lockedId(row!.id);
      await gate;
      return row!.id;
    });
    const firstId = await firstLocked;
    const secondId = await prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ id: number }[]>`
        SELECT "id" FROM "Job" WHERE "experimentId" = ${exp.id} ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED`;
      return row!.id;
    });
    release();
    expect(await first).toBe(firstId);
    expect(secondId).not.toBe(firstId);
  });
});

describe("PGlite data folder", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "lineage-pglite-"));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it("keeps its data across close and reopen", async () => {
    const dataDir = path.join(tmp, "persist", "db"); // parents are created
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe("pglite");
    expect(first.location).toBe(`PGlite in ${dataDir}`);
    await first.prisma.experiment.create({ data: { name: "kept", config: { x: 1 } } });
    await first.close();
    await first.close(); // idempotent

    const second = await openDatabase({ dataDir });
    try {
      const exp = await second.prisma.experiment.findUnique({ where: { name: "kept" } });
      expect(exp?.config).toEqual({ x: 1 });
    } finally {
      await second.close();
    }
  });

  it("shares one PGlite when the same folder is opened twice in a process", async () => {
    const dataDir = path.join(tmp, "shared");
    const [a, b] = await Promise.all([openDatabase({ dataDir }), openDatabase({ dataDir: `${dataDir}/./` })]);
    expect(a.prisma).toBe(b.prisma);
    await a.prisma.experiment.create({ data: { name: "via-a", config: {} } });
    await a.close();
    // b still works after a closed; the folder closes with the last handle.
    expect(await b.prisma.experiment.count()).toBe(1);
    await b.close();
    await expect(fs.access(path.join(dataDir, "lineage.pid"))).rejects.toThrow();
    const c = await openDatabase({ dataDir });
    expect(c.prisma).not.toBe(a.prisma);
    expect(await c.prisma.experiment.count()).toBe(1);
    await c.close();
  });

  it("refuses a folder that another live process holds, and takes over a stale lock", async () => {
    const dataDir = path.join(tmp, "locked");
    await fs.mkdir(dataDir, { recursive: true });
    const lock = path.join(dataDir, "lineage.pid");
    await fs.writeFile(lock, `${process.ppid}\n${os.hostname()}\n`); // alive, and not us
    await expect(openDatabase({ dataDir })).rejects.toThrow(new RegExp(`PGlite data folder .*locked is in use by process ${process.ppid}`));
    await fs.writeFile(lock, `999999999\n${os.hostname()}\n`); // no such process: stale
    const db = await openDatabase({ dataDir });
    await db.close();
    if (process.platform === "linux") {
      // A live pid that started at another time than recorded is a later process: stale too.
      await fs.writeFile(lock, `${process.ppid}\n${os.hostname()}\n1\n`);
      const again = await openDatabase({ dataDir });
      await again.close();
    }
  });

  it("gives each memory:// database its own PGlite", async () => {
    const [a, b] = await Promise.all([openDatabase({ dataDir: "memory://" }), openDatabase({ dataDir: "memory://" })]);
    try {
      await a.prisma.experiment.create({ data: { name: "only-in-a", config: {} } });
      expect(await b.prisma.experiment.count()).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describeEachDatabase("reopening a database", (kind) => {
  it("refuses one set up by a newer Lineage (a migration this checkout lacks), naming it", async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "lineage-newer-"));
    const pgDatabase = kind === "postgres" ? await createPostgresDatabase() : undefined;
    const opts = pgDatabase ? { url: pgDatabase.url } : { dataDir: tmp };
    try {
      const first = await openDatabase(opts);
      await first.prisma.$executeRaw`
        INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
        VALUES ('00000000-0000-4000-8000-000000000000', ${"0".repeat(64)}, '29991231235959_future', now(), 1)`;
      await first.close();
      const error = (await openDatabase(opts).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(
        kind === "postgres"
          ? /^Setting up PostgreSQL at 127\.0\.0\.1:\d+\/lineage_test_\w+ as user "\w+" failed: The database has migrations that prisma\/migrations does not \(29991231235959_future\)/
          : /^Setting up PGlite in .*lineage-newer-.* failed: The database has migrations that prisma\/migrations does not/,
      );
    } finally {
      await pgDatabase?.drop();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});

describe("openDatabase errors", () => {
  it("refuses a schema other than public in the URL", async () => {
    await expect(openDatabase({ url: "postgresql://u:p@127.0.0.1:1/db?schema=other" })).rejects.toThrow(
      /schema "other": Lineage keeps its tables in "public" only/,
    );
  });

  it("names host and port, not the password, when PostgreSQL is unreachable", async () => {
    const error = await openDatabase({ url: "postgresql://someone:s3cret-pw@127.0.0.1:1/lineage" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/^Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/lineage as user "someone": /);
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).not.toContain("s3cret-pw");
  });

  it("rejects a URL that is not postgresql://", async () => {
    await expect(openDatabase({ url: "mysql://root:pw@localhost/x" })).rejects.toThrow(/must start with postgresql:\/\//);
  });

  it("needs a url or a dataDir", async () => {
    await expect(openDatabase({})).rejects.toThrow(/url or a PGlite dataDir/);
  });
});
