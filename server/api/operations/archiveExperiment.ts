import { z } from "zod";
import { experimentSchema } from "../../domain/experiment";
import { experimentNameRef } from "../schemas";
import { op } from "./define";

export const archiveExperiment = op({
  name: "archiveExperiment",
  access: "manage",
  summary: "Archive an experiment (the list hides it unless asked), or bring it back with archived: false",
  kind: "mutation",
  tags: ["experiments"],
  http: { method: "POST", path: "/experiments/{name}/archive", params: { name: "string" } },
  input: z.strictObject({
    name: experimentNameRef,
    archived: z.boolean().default(true).describe("true (the default) archives; false brings the experiment back to the list"),
  }),
  output: experimentSchema,
  handler: (ctx, input) => ctx.scheduler.archiveExperiment(input.name, input.archived),
});
