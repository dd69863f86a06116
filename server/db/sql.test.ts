import { afterAll, beforeAll, expect, it } from "vitest";
import type { Database } from "./client";
import { toStatement } from "./sql";
import { createTestDatabase, describeEachDatabase } from "../testing/databases";

it("turns a template into numbered parameters and sends Dates as UTC ISO strings", () => {
  const at = new Date("2030-01-02T03:04:05.678Z");
  const tag = (strings: TemplateStringsArray, ...values: unknown[]) => toStatement(strings, values);
  expect(tag`SELECT ${1}, ${"x"}::text, ${at}::timestamp`).toEqual({
    text: "SELECT $1, $2::text, $3::timestamp",
    params: [1, "x", "2030-01-02T03:04:05.678Z"],
  });
});

describeEachDatabase("SQL on the driver", (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("reads what Prisma wrote, and Prisma reads what it wrote, with the same types", async () => {
    const at = new Date("2030-01-02T03:04:05.678Z");
    const experiment = await db.prisma.experiment.create({ data: { name: "sql-types", config: { a: [1, "x"] } } });
    const [job] = await db.sql.query<{ id: number; leaseExpiresAt: Date; hyperparameters: unknown; score: number | null }>`
      INSERT INTO "Job" ("experimentId", member, generation, status, origin, hyperparameters, "leaseExpiresAt", score)
      VALUES (${experiment.id}, 3, 0, 'queued', 'initial', ${JSON.stringify({ lr: 0.5 })}::jsonb, ${at}::timestamp, ${1.25})
      RETURNING id, "leaseExpiresAt", hyperparameters, score`;
    expect(job!.leaseExpiresAt).toBeInstanceOf(Date);
    expect(job!.leaseExpiresAt.toISOString()).toBe(at.toISOString());
    expect(job!.hyperparameters).toEqual({ lr: 0.5 });
    expect(job!.score).toBe(1.25);

    const viaPrisma = await db.prisma.job.findUniqueOrThrow({ where: { id: job!.id } });
    expect(viaPrisma.leaseExpiresAt?.toISOString()).toBe(at.toISOString());
    const [read] = await db.sql.query<{ createdAt: Date; config: unknown; n: number }>`
      SELECT "createdAt", config, (SELECT count(*) FROM "Job" WHERE "experimentId" = ${experiment.id}) AS n
      FROM "Experiment" WHERE id = ${experiment.id}`;
    expect(read!.createdAt.toISOString()).toBe(experiment.createdAt.toISOString());
    expect(read!.config).toEqual({ a: [1, "x"] });
    expect(read!.n).toBe(1);

    const members = await db.sql.query<{ member: number }>`SELECT member FROM "Job" WHERE member = ANY(${[1, 3]}::int[])`;
    expect(members).toEqual([{ member: 3 }]);
  });

  it("commits a transaction that returns and rolls back one that throws", async () => {
    const experiment = await db.prisma.experiment.create({ data: { name: "sql-tx", config: {} } });
    const kept = await db.sql.transaction(async (tx) => {
      await tx.query`UPDATE "Experiment" SET "lastEventSeq" = 5 WHERE id = ${experiment.id}`;
      return "kept";
    });
    expect(kept).toBe("kept");
    await expect(
      db.sql.transaction(async (tx) => {
        await tx.query`UPDATE "Experiment" SET "lastEventSeq" = 9 WHERE id = ${experiment.id}`;
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    await expect(db.sql.transaction((tx) => tx.query`SELECT no_such_column FROM "Experiment"`)).rejects.toThrow(/no_such_column/);
    const row = await db.prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    expect(row.lastEventSeq).toBe(5);
  });
});
