// The analysis views' reads: one experiment's hyperparameters against its scores, and several
// experiments compared.
import type { Analysis } from "../../domain/analysis";
import type { PrismaClient } from "../../db/generated/client";
import { buildAnalysis } from "./analysis";
import { experimentByName, finishedJobs } from "./read";

export { compareExperiments } from "./compare";

export async function experimentAnalysis(
  prisma: PrismaClient,
  name: string,
  options: { fromGeneration?: number; toGeneration?: number; maxJobs?: number } = {},
): Promise<Analysis> {
  const experiment = await experimentByName(prisma, name);
  const jobs = await finishedJobs(prisma, experiment.id);
  return buildAnalysis({
    experiment: {
      name: experiment.name,
      objective: experiment.config.objective,
      metric: experiment.config.metric,
      status: experiment.status,
      lastEventSeq: experiment.lastEventSeq,
    },
    config: experiment.config,
    jobs,
    ...options,
  });
}
