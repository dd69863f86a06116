import { z } from "zod";
import { parentCheckpoint } from "../../reads";
import { jobIdSchema } from "../schemas";
import { op } from "./define";

export const downloadParentCheckpoint = op({
  name: "downloadParentCheckpoint",
  access: "read",
  summary: "The checkpoint a job continues from: its parent's (after an exploit, the donor's); 404 for a first generation",
  kind: "query",
  tags: ["checkpoints", "worker"],
  http: { method: "GET", path: "/jobs/{id}/parent-checkpoint", params: { id: "integer" }, file: true, fileContentType: "application/octet-stream" },
  trpc: false,
  input: z.strictObject({ id: jobIdSchema }),
  output: z.string().describe("the parent job's checkpoint bytes; x-lineage-job-id names the parent, x-lineage-checksum-sha256 carries their SHA-256"),
  handler: (ctx, input) => parentCheckpoint(ctx.db, ctx.scheduler.deps.checkpoints, input.id),
});
