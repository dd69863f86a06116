// Seeds a large PBT-shaped experiment straight into the database (no scheduler), for tests of
// the read models at the scale the dashboard must handle: 64 members × 100 generations.
import type { PrismaClient } from "../db/generated/client";
import { experimentConfigSchema } from "../pbt/config";

export async function seedLargeExperiment(prisma: PrismaClient, options: { name: string; members: number; generations: number; pointsPerJob: number }) {
  const { members, generations, pointsPerJob } = options;
  const config = experimentConfigSchema.parse({
    name: options.name,
    metric: "accuracy",
    populationSize: members,
    stop: { maxGenerations: generations },
    hyperparameters: { lr: { init: { kind: "loguniform", low: 1e-4, high: 0.1 }, explore: { kind: "perturb" } } },
    seed: 1,
  });
  const experiment = await prisma.experiment.create({ data: { name: options.name, config: { ...config, seed: 1 }, status: "done" } });
  // Ids are handed out in creation order: generation by generation, member by member.
  const idOf = new Map<string, number>();
  for (let g = 0; g < generations; g++) {
    const rows = Array.from({ length: members }, (_, m) => {
      // Every 4th generation the bottom quarter copies member 0's lineage (an exploit).
      const exploit = g > 0 && g % 4 === 0 && m >= (members * 3) / 4;
      const parentMember = exploit ? 0 : m;
      return {
        experimentId: experiment.id,
        member: m,
        generation: g,
        status: "done",
        hyperparameters: { lr: 0.001 * (1 + ((m * 7 + g) % 10)) },
        results: {},
        score: g / generations + m / (members * 10),
        parentId: g === 0 ? null : idOf.get(`${parentMember}/${g - 1}`)!,
        origin: g === 0 ? "initial" : exploit ? "exploit" : "continue",
        donorJobId: exploit ? idOf.get(`${parentMember}/${g - 1}`)! : null,
      };
    });
    const created = await prisma.job.createManyAndReturn({ data: rows, select: { id: true, member: true } });
    for (const c of created) idOf.set(`${c.member}/${g}`, c.id);
    const points = created.flatMap((c) =>
      Array.from({ length: pointsPerJob }, (_, i) => {
        const step = g * pointsPerJob + i + 1;
        return {
          experimentId: experiment.id,
          jobId: c.id,
          member: c.member,
          step,
          values: { accuracy: step / (generations * pointsPerJob) + Math.sin(step + c.member) / 100 },
        };
      }),
    );
    await prisma.metricPoint.createMany({ data: points });
  }
  return { experimentId: experiment.id, idOf };
}
