import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { exportJobs as exportFile } from "../../reads";
import { experimentNameRef } from "../schemas";
import { op } from "./define";

export const exportJobs = op({
  name: "exportJobs",
  access: "read",
  summary: "All jobs of an experiment as a CSV or JSON file (streamed; HTTP only)",
  kind: "query",
  tags: ["experiments"],
  http: { method: "GET", path: "/experiments/{name}/export", params: { name: "string", format: "string" }, file: true },
  trpc: false,
  input: z.strictObject({ name: experimentNameRef, format: z.enum(["csv", "json"]).default("json") }),
  output: z.array(jobSchema).describe("JSON: every job, oldest first; CSV: one row per job, one column per hyperparameter"),
  handler: (ctx, input) => exportFile(ctx.db, input.name, input.format),
});
