import { overviewSchema } from "../../domain/overview";
import { experimentOverview } from "../../reads";
import { experimentRef } from "../schemas";
import { op } from "./define";

/** The dashboard's read model (server/reads/dashboard): tRPC only, no HTTP route. */
export const dashboardOverview = op({
  name: "dashboardOverview",
  access: "read",
  summary: "An experiment's population: its jobs as lineage nodes, one row per member, progress, the best lineage",
  kind: "query",
  tags: ["dashboard"],
  input: experimentRef,
  output: overviewSchema,
  handler: (ctx, input) => experimentOverview(ctx.db.prisma, input.name),
});
