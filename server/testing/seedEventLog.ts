// Seeds an experiment with a long event log straight into the database (no scheduler), for tests
// and benchmarks of what a socket join costs on a heavy history.
import type { PrismaClient } from "../db/generated/client";
import { experimentConfigSchema } from "../pbt/config";

/** `events` job.finished events of about `bytes` of JSON each, numbered 1..events. */
export async function seedEventLog(prisma: PrismaClient, options: { name: string; events: number; bytes?: number }) {
  const config = experimentConfigSchema.parse({
    name: options.name,
    metric: "score",
    populationSize: 64,
    stop: { maxGenerations: 1_000 },
    hyperparameters: { lr: { init: { kind: "loguniform", low: 1e-4, high: 0.1 }, explore: { kind: "perturb" } } },
    seed: 1,
  });
  const experiment = await prisma.experiment.create({ data: { name: options.name, config: { ...config, seed: 1 }, lastEventSeq: options.events } });
  const padding = "x".repeat(Math.max(0, (options.bytes ?? 600) - 200));
  for (let start = 1; start <= options.events; start += 5_000) {
    const data = Array.from({ length: Math.min(5_000, options.events - start + 1) }, (_, i) => ({
      experimentId: experiment.id,
      seq: start + i,
      type: "job.finished",
      member: (start + i) % 64,
      // A job.finished payload (server/domain/event.ts), padded to the size asked for.
      data: { generation: Math.floor((start + i) / 64), attempt: 0, score: (start + i) / options.events, diverged: false, note: padding },
    }));
    await prisma.event.createMany({ data });
  }
  return experiment;
}
