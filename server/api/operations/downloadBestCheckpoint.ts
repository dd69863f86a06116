import { z } from "zod";
import { bestCheckpoint } from "../../reads";
import { experimentRef } from "../schemas";
import { op } from "./define";

export const downloadBestCheckpoint = op({
  name: "downloadBestCheckpoint",
  access: "read",
  summary: "The best job's checkpoint (the head of the best lineage): the model PBT found",
  kind: "query",
  tags: ["checkpoints", "experiments"],
  http: { method: "GET", path: "/experiments/{name}/best-checkpoint", params: { name: "string" }, file: true, fileContentType: "application/octet-stream" },
  trpc: false,
  input: experimentRef,
  output: z.string().describe("the best job's checkpoint bytes; x-lineage-job-id names the job"),
  handler: (ctx, input) => bestCheckpoint(ctx.db, ctx.scheduler.deps.checkpoints, input.name),
});
