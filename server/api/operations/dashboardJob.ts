import { z } from "zod";
import { jobDetailSchema } from "../../domain/overview";
import { jobDetail } from "../../reads";
import { jobIdSchema } from "../schemas";
import { op } from "./define";

/** The dashboard's read model (server/reads/dashboard): tRPC only, no HTTP route. */
export const dashboardJob = op({
  name: "dashboardJob",
  access: "read",
  summary: "A job with its donor, children, ancestry back to generation 0 and its lineage's curve",
  kind: "query",
  tags: ["dashboard"],
  input: z.strictObject({
    id: jobIdSchema,
    metric: z.string().min(1).max(100).optional().describe("the curve's metric; default: the experiment's when reported, else a reported one"),
  }),
  output: jobDetailSchema,
  handler: (ctx, input) => jobDetail(ctx.db.prisma, input.id, { metric: input.metric }),
});
