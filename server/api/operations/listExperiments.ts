import { z } from "zod";
import { experimentSummarySchema } from "../../domain/experiment";
import { listExperiments as readExperiments } from "../../reads";
import { MAX_PAGE_SIZE } from "../../domain/limits";
import { pageOutput, pageParams } from "../paging";
import { op } from "./define";

export const listExperiments = op({
  name: "listExperiments",
  access: "read",
  summary: "List experiments with their progress, newest first, a page at a time",
  kind: "query",
  tags: ["experiments"],
  http: { method: "GET", path: "/experiments", params: { cursor: "string", limit: "integer" }, paged: true },
  input: z.strictObject({ ...pageParams }).default({ limit: MAX_PAGE_SIZE }),
  output: pageOutput(experimentSummarySchema),
  handler: (ctx, input) => readExperiments(ctx.db, input),
});
