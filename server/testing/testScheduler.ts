// Test helpers: a scheduler over a fresh test database with a clock the test moves.
import type { Sql } from "../db/sql";
import { createTestDatabase, type DatabaseKind } from "./databases";
import { experimentConfigSchema, type ExperimentConfigInput } from "../pbt/config";
import { createLocalBus, type BusMessage } from "../realtime/bus";
import { createScheduler } from "../scheduler";

/** `wrapSql`: to watch the scheduler's use of the database (e.g. count its transactions). */
export async function createTestScheduler(kind: DatabaseKind, options: { wrapSql?: (sql: Sql) => Sql } = {}) {
  const database = await createTestDatabase(kind);
  const bus = createLocalBus();
  const published: BusMessage[] = [];
  bus.subscribe((m) => published.push(m));
  let now = Date.parse("2026-01-01T00:00:00Z");
  const scheduler = createScheduler({ prisma: database.prisma, sql: options.wrapSql?.(database.sql) ?? database.sql, bus, now: () => new Date(now) }, { retryAfterSeconds: 1 });
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
    close: () => database.close(),
  };
}

export type TestScheduler = Awaited<ReturnType<typeof createTestScheduler>>;

/** Claims a job and fails the test if the answer is not a job. */
export async function claim(s: TestScheduler, name: string, workerId = "w") {
  const answer = await s.scheduler.nextJob(name, workerId);
  if (answer.status !== "job") throw new Error(`expected a job, got ${JSON.stringify(answer)}`);
  return answer;
}
