import { experimentSchema } from "../../domain/experiment";
import { experimentConfigSchema } from "../../pbt/config";
import { op } from "./define";

export const createExperiment = op({
  name: "createExperiment",
  access: "manage",
  summary: "Create an experiment",
  kind: "mutation",
  tags: ["experiments"],
  http: { method: "POST", path: "/experiments", status: 201 },
  input: experimentConfigSchema,
  output: experimentSchema,
  handler: (ctx, input) => ctx.scheduler.createExperiment(input),
});
