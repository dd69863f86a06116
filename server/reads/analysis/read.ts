// Reads what the analysis (analysis.ts) and the comparison (compare.ts) are computed from.
import { LineageError } from "../../domain/errors";
import { readStoredConfig } from "../../domain/experiment";
import type { ExperimentConfig, ExperimentStatus } from "../../pbt/config";
import type { PrismaClient } from "../../db/generated/client";
import type { FinishedJob } from "./analysis";

export interface ExperimentRecord {
  id: number;
  name: string;
  status: ExperimentStatus;
  config: ExperimentConfig;
  lastEventSeq: number;
}

/** `field`: the input field that named it, for the 404's issue. */
export async function experimentByName(prisma: PrismaClient, name: string, field = "name"): Promise<ExperimentRecord> {
  const row = await prisma.experiment.findUnique({ where: { name }, select: { id: true, name: true, status: true, config: true, lastEventSeq: true } });
  if (!row) {
    throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`, [
      { field, message: `no experiment named ${JSON.stringify(name)}`, accepted: "the name of an existing experiment" },
    ]);
  }
  return { ...row, status: row.status as ExperimentStatus, config: readStoredConfig(row.config) };
}

/**
 * Every finished job with a finite score, with its parent's score when the parent finished with
 * one. One row holding a JSON array: PGlite decodes rows' columns in JavaScript, and one JSON.parse
 * of 100,000 jobs is several times faster (server/reads/dashboard/curves.ts measured the same).
 */
export async function finishedJobs(prisma: PrismaClient, experimentId: number): Promise<FinishedJob[]> {
  const [row] = await prisma.$queryRaw<{ jobs: [number, number, number, number, Record<string, unknown>, number | null][] | null }[]>`
    SELECT json_agg(json_build_array(j.id, j.member, j.generation, j.score, j.hyperparameters, p.score) ORDER BY j.id) AS jobs
    FROM "Job" j LEFT JOIN "Job" p ON p.id = j."parentId" AND p.status = 'done'
    WHERE j."experimentId" = ${experimentId} AND j.status = 'done' AND j.score IS NOT NULL`;
  return (row?.jobs ?? []).map(([id, member, generation, score, hyperparameters, parentScore]) => ({
    id,
    member,
    generation,
    score: Number(score),
    hyperparameters,
    parentScore: parentScore === null ? null : Number(parentScore),
  }));
}
