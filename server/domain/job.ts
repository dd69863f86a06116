// A job as every surface shows it: the HTTP API, tRPC, the SDKs and the OpenAPI document. The
// lease token is never part of it: only the worker that claimed the job is told (next-job's answer).
import { z } from "zod";
import { EXPLOIT_REASONS, JOB_ORIGINS, JOB_STATUSES, jsonValue, mutationSchema } from "../pbt/config";
import { checkpointSchema } from "./checkpoint";
import { isoDate } from "./json";

export const jobSchema = z.object({
  id: z.int(),
  experimentId: z.int(),
  member: z.int(),
  generation: z.int().describe("lineage depth: the parent's generation + 1 (after an exploit, the donor's + 1)"),
  attempt: z.int().describe("0 for the first try of a generation; a retry after a crash gets the next number"),
  status: z.enum(JOB_STATUSES),
  hyperparameters: z.record(z.string(), jsonValue),
  results: z.record(z.string(), jsonValue).describe("the parent's results until the job is done, then merged with what it reported"),
  score: z.number().nullable().describe("the experiment's metric as this job reported it; null until done, and for a diverged run"),
  diverged: z.boolean().describe('the worker reported a non-finite metric ("NaN", "Infinity" or "-Infinity"): it ranks below every finite score'),
  parentId: z.int().nullable().describe("the job whose checkpoint this one continues (after an exploit, the donor's)"),
  origin: z.enum(JOB_ORIGINS),
  donorJobId: z.int().nullable(),
  exploitReason: z
    .enum(EXPLOIT_REASONS)
    .nullable()
    .describe("why the member exploited: it ranked in the bottom quantile (truncate), lost its tournament, used up its retries (exhausted) or diverged"),
  mutations: z.array(mutationSchema),
  workerId: z.string().nullable(),
  leaseExpiresAt: isoDate.nullable(),
  heartbeatAt: isoDate.nullable(),
  error: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  checkpoint: checkpointSchema.nullable().describe("the checkpoint the server stores (or stored) for this job; null when its worker uploaded none"),
});
export type Job = z.infer<typeof jobSchema>;
