import { z } from "zod";
import { isoDate } from "../../domain/json";
import { EXPERIMENT_STATUSES } from "../../pbt/config";
import { jobIdSchema, leaseTokenSchema } from "../schemas";
import { op } from "./define";

export const heartbeat = op({
  name: "heartbeat",
  access: "work",
  summary: "Extend the lease on a running job",
  kind: "mutation",
  tags: ["worker"],
  http: { method: "POST", path: "/jobs/{id}/heartbeat", params: { id: "integer" } },
  input: z.strictObject({ id: jobIdSchema, leaseToken: leaseTokenSchema }),
  output: z.object({ leaseExpiresAt: isoDate, experimentStatus: z.enum(EXPERIMENT_STATUSES) }),
  handler: (ctx, input) => ctx.scheduler.heartbeat(input.id, input.leaseToken),
});
