import { z } from "zod";
import { ARCHIVED_FILTERS, experimentSummarySchema } from "../../domain/experiment";
import { EXPERIMENT_STATUSES } from "../../pbt/config";
import { listExperiments as readExperiments } from "../../reads";
import { MAX_PAGE_SIZE } from "../../domain/limits";
import { pageOutput, pageParams } from "../paging";
import { op } from "./define";

export const listExperiments = op({
  name: "listExperiments",
  access: "read",
  summary: "List experiments with their progress, newest first, a page at a time; archived ones only when asked",
  kind: "query",
  tags: ["experiments"],
  http: {
    method: "GET",
    path: "/experiments",
    params: { cursor: "string", limit: "integer", search: "string", status: "string", archived: "string" },
    paged: true,
  },
  input: z
    .strictObject({
      ...pageParams,
      search: z.string().max(200, { error: "must be at most 200 characters" }).optional().describe("part of the name, in any case"),
      status: z.enum(EXPERIMENT_STATUSES).optional().describe("only experiments of this status"),
      archived: z
        .enum(ARCHIVED_FILTERS)
        .default("exclude")
        .describe("archived experiments: left out (exclude, the default), listed with the others (include), or alone (only)"),
    })
    .default({ limit: MAX_PAGE_SIZE, archived: "exclude" }),
  output: pageOutput(experimentSummarySchema),
  handler: (ctx, input) => readExperiments(ctx.db, input),
});
