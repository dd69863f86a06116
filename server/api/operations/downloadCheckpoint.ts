import { z } from "zod";
import { jobCheckpoint } from "../../reads";
import { jobIdSchema } from "../schemas";
import { op } from "./define";

export const downloadCheckpoint = op({
  name: "downloadCheckpoint",
  access: "read",
  summary: "A job's checkpoint (streamed; checked against its recorded SHA-256 before it is sent)",
  kind: "query",
  tags: ["checkpoints"],
  http: { method: "GET", path: "/jobs/{id}/checkpoint", params: { id: "integer" }, file: true, fileContentType: "application/octet-stream" },
  trpc: false,
  input: z.strictObject({ id: jobIdSchema }),
  output: z.string().describe("the checkpoint's bytes; x-lineage-checksum-sha256 carries their SHA-256"),
  handler: (ctx, input) => jobCheckpoint(ctx.db, ctx.scheduler.deps.checkpoints, input.id),
});
