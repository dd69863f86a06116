import { z } from "zod";
import { experimentSchema } from "../../domain/experiment";
import { experimentNameRef } from "../schemas";
import { op } from "./define";

export const extendExperiment = op({
  name: "extendExperiment",
  access: "manage",
  summary: "Raise the stopping rule (maxGenerations or the job budget) of a running or done experiment; its members carry on",
  kind: "mutation",
  tags: ["experiments"],
  http: { method: "POST", path: "/experiments/{name}/extend", params: { name: "string" } },
  input: z.strictObject({
    name: experimentNameRef,
    maxGenerations: z.int().min(1).max(1_000_000).optional().describe("the new lineage depth limit: at least the current one"),
    maxJobs: z.int().min(1).max(1_000_000_000).optional().describe("the new job budget: at least the current one"),
  }),
  output: experimentSchema,
  handler: (ctx, input) => ctx.scheduler.extendExperiment(input.name, { maxGenerations: input.maxGenerations, maxJobs: input.maxJobs }),
});
