import { z } from "zod";
import { jsonValue, JOB_ORIGINS, mutationSchema, OBJECTIVES } from "../../pbt/config";
import { getBestSchedule } from "../../reads";
import { experimentRef } from "../schemas";
import { op } from "./define";

const scheduleStep = z.object({
  jobId: z.int(),
  member: z.int(),
  generation: z.int(),
  origin: z.enum(JOB_ORIGINS),
  score: z.number().nullable(),
  hyperparameters: z.record(z.string(), jsonValue),
  mutations: z.array(mutationSchema),
});

export const getSchedule = op({
  name: "getSchedule",
  access: "read",
  summary: "The best schedule: hyperparameters along the best job's ancestry, generation 0 first",
  kind: "query",
  tags: ["experiments"],
  http: { method: "GET", path: "/experiments/{name}/schedule", params: { name: "string" } },
  input: experimentRef,
  output: z.object({
    experiment: z.string(),
    objective: z.enum(OBJECTIVES),
    metric: z.string(),
    schedule: z.object({ bestJobId: z.int(), score: z.number(), steps: z.array(scheduleStep) }).nullable(),
  }),
  handler: (ctx, input) => getBestSchedule(ctx.db, input.name),
});
