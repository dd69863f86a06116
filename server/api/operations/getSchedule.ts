import { z } from "zod";
import { jsonValue, JOB_ORIGINS, mutationSchema, OBJECTIVES } from "../../pbt/config";
import { getBestSchedule } from "../../reads";
import { experimentNameRef, jobIdSchema } from "../schemas";
import { op } from "./define";

export const scheduleStep = z.object({
  jobId: z.int(),
  member: z.int(),
  generation: z.int(),
  origin: z.enum(JOB_ORIGINS),
  score: z.number().nullable(),
  hyperparameters: z.record(z.string(), jsonValue),
  mutations: z.array(mutationSchema),
});

/** The schedule export: what getSchedule answers and replaySchedule reads (from this server or another). */
export const scheduleExportSchema = z.object({
  experiment: z.string(),
  objective: z.enum(OBJECTIVES),
  metric: z.string(),
  schedule: z
    .object({
      bestJobId: z.int().describe("the job the schedule leads to: the best one, or the jobId asked for"),
      score: z.number().nullable(),
      steps: z.array(scheduleStep),
    })
    .nullable(),
});

export const getSchedule = op({
  name: "getSchedule",
  access: "read",
  summary: "The best schedule (or, with jobId, the schedule that led to that job): hyperparameters along its ancestry, generation 0 first",
  kind: "query",
  tags: ["experiments"],
  http: { method: "GET", path: "/experiments/{name}/schedule", params: { name: "string", jobId: "integer" } },
  input: z.strictObject({ name: experimentNameRef, jobId: jobIdSchema.optional().describe("a job of the experiment; omitted: the best job") }),
  output: scheduleExportSchema,
  handler: (ctx, input) => getBestSchedule(ctx.db, input.name, input.jobId),
});
