import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { JOB_STATUSES } from "../../pbt/config";
import { listJobsPage } from "../../reads";
import { pageOutput, pageParams } from "../paging";
import { experimentNameRef, int32 } from "../schemas";
import { op } from "./define";

export const listJobs = op({
  name: "listJobs",
  access: "read",
  summary: "List an experiment's jobs, oldest first, a page at a time",
  kind: "query",
  tags: ["jobs"],
  http: {
    method: "GET",
    path: "/experiments/{name}/jobs",
    params: { name: "string", member: "integer", status: "string", cursor: "string", limit: "integer" },
    paged: true,
  },
  input: z.strictObject({
    name: experimentNameRef,
    member: int32(0).optional(),
    status: z.enum(JOB_STATUSES).optional(),
    ...pageParams,
  }),
  output: pageOutput(jobSchema),
  handler: (ctx, input) => listJobsPage(ctx.db, input.name, input),
});
