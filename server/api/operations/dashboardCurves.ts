import { z } from "zod";
import { CURVE_AXES, curvesSchema } from "../../domain/overview";
import { metricCurves } from "../../reads";
import { experimentNameRef } from "../schemas";
import { op } from "./define";

/** The dashboard's read model (server/reads/dashboard): tRPC only, no HTTP route. */
export const dashboardCurves = op({
  name: "dashboardCurves",
  access: "read",
  summary: "Metric curves per member, downsampled to a point budget per series, with exploit marks and the best lineage",
  kind: "query",
  tags: ["dashboard"],
  input: z.strictObject({
    name: experimentNameRef,
    metric: z.string().min(1).max(100).optional(),
    budget: z.int().min(4).max(5000).default(300),
    x: z.enum(CURVE_AXES).default("step").describe("step (continuing across copies), generation, or time (seconds since the experiment was created)"),
  }),
  output: curvesSchema,
  handler: (ctx, input) => metricCurves(ctx.db.prisma, input.name, { metric: input.metric, budget: input.budget, x: input.x }),
});
