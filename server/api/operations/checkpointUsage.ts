import { checkpointUsageSchema } from "../../domain/checkpoint";
import { checkpointUsage as readUsage } from "../../reads";
import { experimentRef } from "../schemas";
import { op } from "./define";

export const checkpointUsage = op({
  name: "checkpointUsage",
  access: "read",
  summary: "The space an experiment's checkpoints take and what garbage collection freed, and the best job's checkpoint",
  kind: "query",
  tags: ["checkpoints", "experiments"],
  http: { method: "GET", path: "/experiments/{name}/checkpoints", params: { name: "string" } },
  input: experimentRef,
  output: checkpointUsageSchema,
  handler: (ctx, input) => readUsage(ctx.db, input.name),
});
