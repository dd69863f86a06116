import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { getJob as readJob } from "../../reads";
import { jobIdSchema } from "../schemas";
import { op } from "./define";

export const getJob = op({
  name: "getJob",
  access: "read",
  summary: "Get a job",
  kind: "query",
  tags: ["jobs"],
  http: { method: "GET", path: "/jobs/{id}", params: { id: "integer" } },
  input: z.strictObject({ id: jobIdSchema }),
  output: jobSchema.extend({ experiment: z.string() }),
  handler: (ctx, input) => readJob(ctx.db, input.id),
});
