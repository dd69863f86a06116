import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { jobIdSchema, leaseTokenSchema, resultsSchema } from "../schemas";
import { op } from "./define";

export const complete = op({
  name: "complete",
  access: "work",
  summary: "Finish a job with its results (which must hold the experiment's metric)",
  kind: "mutation",
  tags: ["worker"],
  http: { method: "POST", path: "/jobs/{id}/complete", params: { id: "integer" } },
  input: z.strictObject({
    id: jobIdSchema,
    leaseToken: leaseTokenSchema,
    results: resultsSchema.describe(
      "what this job produced (never the results it started with): the experiment's metric as a finite number, or " +
        '"NaN", "Infinity" or "-Infinity" for a run that diverged, plus anything else to keep (e.g. model_path). ' +
        "Merged over the results the job started with.",
    ),
  }),
  output: jobSchema,
  handler: (ctx, input) => ctx.scheduler.completeJob(input.id, input.leaseToken, input.results),
});
