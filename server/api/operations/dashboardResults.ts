import { memberResultsSchema } from "../../domain/overview";
import { memberResults } from "../../reads";
import { experimentRef } from "../schemas";
import { op } from "./define";

/** The dashboard's read model (server/reads/dashboard): tRPC only, no HTTP route. */
export const dashboardResults = op({
  name: "dashboardResults",
  access: "read",
  summary: "Each member's latest finished job's results (scalar values), for the population table's result columns",
  kind: "query",
  tags: ["dashboard"],
  input: experimentRef,
  output: memberResultsSchema,
  handler: (ctx, input) => memberResults(ctx.db.prisma, input.name),
});
