import { z } from "zod";
import { comparisonSchema } from "../../domain/analysis";
import { compareExperiments as readComparison } from "../../reads";
import { experimentNameRef } from "../schemas";
import { op } from "./define";

/** Experiments one comparison holds at most: more lines than this do not read as a comparison. */
export const MAX_COMPARED = 8;

export const compareExperiments = op({
  name: "compareExperiments",
  access: "read",
  summary: "Several experiments side by side: best score so far against steps, best, final and generation-0 scores",
  kind: "query",
  tags: ["analysis"],
  // POST: experiment names may hold any character but a slash, commas included, so a list of them
  // does not fit one query parameter.
  http: { method: "POST", path: "/compare" },
  input: z.strictObject({
    experiments: z
      .array(experimentNameRef)
      .min(2, { error: "needs at least 2 experiments to compare" })
      .max(MAX_COMPARED, { error: `compares at most ${MAX_COMPARED} experiments` })
      .refine((names) => new Set(names).size === names.length, { error: "names an experiment twice" })
      .describe("the experiments' names, 2 to 8 different ones"),
  }),
  output: comparisonSchema,
  handler: (ctx, input) => readComparison(ctx.db.prisma, input.experiments),
});
