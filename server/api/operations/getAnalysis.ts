import { z } from "zod";
import { analysisSchema } from "../../domain/analysis";
import { experimentAnalysis } from "../../reads";
import { MAX_ANALYSIS_JOBS } from "../../reads/analysis/analysis";
import { experimentNameRef, int32 } from "../schemas";
import { op } from "./define";

export const getAnalysis = op({
  name: "getAnalysis",
  access: "read",
  summary:
    "An experiment's finished jobs against their hyperparameters, and each hyperparameter's importance for the score and for the improvement over a generation",
  kind: "query",
  tags: ["analysis"],
  http: {
    method: "GET",
    path: "/experiments/{name}/analysis",
    params: { name: "string", fromGeneration: "integer", toGeneration: "integer", maxJobs: "integer" },
  },
  input: z
    .strictObject({
      name: experimentNameRef,
      fromGeneration: int32(0).optional().describe("only jobs of this generation or later"),
      toGeneration: int32(0).optional().describe("only jobs of this generation or earlier"),
      maxJobs: z
        .int()
        .min(1)
        .max(MAX_ANALYSIS_JOBS)
        .default(MAX_ANALYSIS_JOBS)
        .describe("jobs listed at most, evenly chosen; the importance uses every job of the range"),
    })
    .refine((i) => i.fromGeneration === undefined || i.toGeneration === undefined || i.fromGeneration <= i.toGeneration, {
      error: "must be at least fromGeneration",
      path: ["toGeneration"],
    }),
  output: analysisSchema,
  handler: (ctx, input) => experimentAnalysis(ctx.db.prisma, input.name, input),
});
