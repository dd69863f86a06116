import { z } from "zod";
import { experimentSchema } from "../../domain/experiment";
import { EXPERIMENT_STATUSES } from "../../pbt/config";
import { experimentNameRef } from "../schemas";
import { op } from "./define";

export const setExperimentStatus = op({
  name: "setExperimentStatus",
  access: "manage",
  summary: "Pause, resume or stop an experiment",
  kind: "mutation",
  tags: ["experiments"],
  http: { method: "POST", path: "/experiments/{name}/status", params: { name: "string" } },
  input: z.strictObject({ name: experimentNameRef, status: z.enum(EXPERIMENT_STATUSES) }),
  output: experimentSchema,
  handler: (ctx, input) => ctx.scheduler.setExperimentStatus(input.name, input.status),
});
