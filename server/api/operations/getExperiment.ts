import { experimentSchema } from "../../domain/experiment";
import { getExperiment as readExperiment } from "../../reads";
import { experimentRef } from "../schemas";
import { op } from "./define";

export const getExperiment = op({
  name: "getExperiment",
  access: "read",
  summary: "Get an experiment",
  kind: "query",
  tags: ["experiments"],
  http: { method: "GET", path: "/experiments/{name}", params: { name: "string" } },
  input: experimentRef,
  output: experimentSchema,
  handler: (ctx, input) => readExperiment(ctx.db, input.name),
});
