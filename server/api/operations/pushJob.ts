import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { experimentNameRef, hyperparametersSchema, int32 } from "../schemas";
import { op } from "./define";

export const pushJob = op({
  name: "pushJob",
  access: "manage",
  summary: "Push a job by hand (a new member, or the next generation of a finished one)",
  kind: "mutation",
  tags: ["jobs"],
  http: { method: "POST", path: "/experiments/{name}/jobs", params: { name: "string" }, status: 201 },
  input: z.strictObject({
    name: experimentNameRef,
    hyperparameters: hyperparametersSchema.default({}),
    member: int32(0).optional(),
  }),
  output: jobSchema,
  handler: (ctx, input) => ctx.scheduler.pushJob(input.name, { hyperparameters: input.hyperparameters, member: input.member }),
});
