import { z } from "zod";
import { jobIdSchema, leaseTokenSchema, metricPointSchema } from "../schemas";
import { op } from "./define";

export const logMetrics = op({
  name: "logMetrics",
  access: "work",
  summary: "Report intermediate metric points of a running job",
  kind: "mutation",
  tags: ["worker"],
  http: { method: "POST", path: "/jobs/{id}/metrics", params: { id: "integer" } },
  input: z.strictObject({
    id: jobIdSchema,
    leaseToken: leaseTokenSchema,
    points: z.array(metricPointSchema).min(1).max(1000),
  }),
  output: z.object({ stored: z.int() }),
  handler: (ctx, input) => ctx.scheduler.logMetrics(input.id, input.leaseToken, input.points),
});
