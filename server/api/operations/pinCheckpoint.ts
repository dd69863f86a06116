import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { jobIdSchema } from "../schemas";
import { op } from "./define";

export const pinCheckpoint = op({
  name: "pinCheckpoint",
  access: "manage",
  summary: "Pin a job's checkpoint (garbage collection keeps it) or unpin it",
  kind: "mutation",
  tags: ["checkpoints"],
  http: { method: "POST", path: "/jobs/{id}/checkpoint/pin", params: { id: "integer" } },
  input: z.strictObject({ id: jobIdSchema, pinned: z.boolean().default(true) }),
  output: jobSchema,
  handler: (ctx, input) => ctx.scheduler.setCheckpointPinned(input.id, input.pinned),
});
