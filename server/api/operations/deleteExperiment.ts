import { z } from "zod";
import { experimentRef } from "../schemas";
import { op } from "./define";

export const deleteExperiment = op({
  name: "deleteExperiment",
  access: "manage",
  summary: "Delete an experiment and all its jobs",
  kind: "mutation",
  tags: ["experiments"],
  http: { method: "DELETE", path: "/experiments/{name}", params: { name: "string" } },
  input: experimentRef,
  output: z.object({ deleted: z.literal(true) }),
  handler: (ctx, input) => ctx.scheduler.deleteExperiment(input.name),
});
