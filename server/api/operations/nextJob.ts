import { z } from "zod";
import { isoDate } from "../../domain/json";
import { jobSchema } from "../../domain/job";
import { experimentNameRef, workerIdSchema } from "../schemas";
import { op } from "./define";

export const nextJob = op({
  name: "nextJob",
  access: "work",
  summary: "Ask for the next job (the answer may also be: wait, or done)",
  kind: "mutation",
  tags: ["worker"],
  http: { method: "POST", path: "/experiments/{name}/next-job", params: { name: "string" } },
  input: z.strictObject({ name: experimentNameRef, workerId: workerIdSchema.default("anonymous") }),
  output: z.discriminatedUnion("status", [
    z.object({
      status: z.literal("job"),
      job: jobSchema,
      leaseToken: z.string().describe("send with every call on this job"),
      leaseExpiresAt: isoDate,
      heartbeatSeconds: z.int().describe("send a heartbeat at least this often"),
    }),
    z.object({
      status: z.literal("wait"),
      retryAfterSeconds: z.number(),
      reason: z.enum(["paused", "busy", "sync-barrier"]),
    }),
    z.object({ status: z.literal("done") }),
  ]),
  handler: (ctx, input) => ctx.scheduler.nextJob(input.name, input.workerId),
});
