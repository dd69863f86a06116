// Test helpers: a scheduler over a fresh test database with a clock the test moves.
import type { Sql } from "../db/sql";
import { createTestDatabase, type DatabaseKind } from "./databases";
import { experimentConfigSchema, type ExperimentConfigInput } from "../pbt/config";
import { createLocalBus, type BusMessage } from "../realtime/bus";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DirectoryStore } from "../checkpoints/directoryStore";
import type { CheckpointStore } from "../checkpoints/store";
import { createScheduler } from "../scheduler";

/** `wrapSql`: to watch the scheduler's use of the database (e.g. count its transactions). */
/** `checkpoints`: a store for uploads (default: a directory of its own, removed on close). */
export async function createTestScheduler(
  kind: DatabaseKind,
  options: { wrapSql?: (sql: Sql) => Sql; checkpoints?: CheckpointStore; maxCheckpointBytes?: number } = {},
) {
  const database = await createTestDatabase(kind);
  const folder = options.checkpoints ? null : mkdtempSync(path.join(os.tmpdir(), "lineage-scheduler-checkpoints-"));
  const checkpoints = options.checkpoints ?? new DirectoryStore(folder!);
  const bus = createLocalBus();
  const published: BusMessage[] = [];
  bus.subscribe((m) => published.push(m));
  let now = Date.parse("2026-01-01T00:00:00Z");
  const scheduler = createScheduler(
    { prisma: database.prisma, sql: options.wrapSql?.(database.sql) ?? database.sql, bus, checkpoints, now: () => new Date(now) },
    { retryAfterSeconds: 1, maxCheckpointBytes: options.maxCheckpointBytes ?? 1024 ** 3 },
  );
  return {
    database,
    scheduler,
    published,
    advance(seconds: number) {
      now += seconds * 1000;
    },
    create(config: Partial<ExperimentConfigInput> & { name: string }) {
      return scheduler.createExperiment(
        experimentConfigSchema.parse({
          metric: "score",
          populationSize: 2,
          stop: { maxGenerations: 3 },
          hyperparameters: { lr: { init: { kind: "uniform", low: 0.1, high: 1 }, explore: { kind: "perturb" } } },
          seed: 7,
          ...config,
        }),
      );
    },
    checkpoints,
    async close() {
      await scheduler.checkpointsSettled();
      await database.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}

export type TestScheduler = Awaited<ReturnType<typeof createTestScheduler>>;

/** Claims a job and fails the test if the answer is not a job. */
export async function claim(s: TestScheduler, name: string, workerId = "w") {
  const answer = await s.scheduler.nextJob(name, workerId);
  if (answer.status !== "job") throw new Error(`expected a job, got ${JSON.stringify(answer)}`);
  return answer;
}
