import { z } from "zod";
import { experimentSchema } from "../../domain/experiment";
import { experimentNameSchema } from "../../pbt/config";
import { scheduleExportSchema } from "./getSchedule";
import { op } from "./define";

export const replaySchedule = op({
  name: "replaySchedule",
  access: "manage",
  summary: "Create an experiment that replays a schedule (getSchedule's export, from this server or another): one member per seed, from scratch, no exploit",
  kind: "mutation",
  tags: ["experiments"],
  http: { method: "POST", path: "/replays", status: 201 },
  input: z.strictObject({
    name: experimentNameSchema.describe("the new experiment's name"),
    schedule: scheduleExportSchema.describe("the schedule as GET /experiments/{name}/schedule exports it"),
    seeds: z.int().min(1).max(100).default(1).describe("members, each following the schedule (their workers' randomness differs)"),
    leaseSeconds: z
      .int()
      .min(5)
      .max(7 * 24 * 3600)
      .optional(),
    maxRetries: z.int().min(0).max(100).optional(),
  }),
  output: experimentSchema,
  handler: (ctx, input) => ctx.scheduler.replaySchedule(input),
});
