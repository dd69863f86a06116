import { z } from "zod";
import { jobSchema } from "../../domain/job";
import { jobIdSchema, leaseTokenSchema } from "../schemas";
import { op } from "./define";

export const fail = op({
  name: "fail",
  access: "work",
  summary: "Give up on a job; it is marked crashed and retried up to the retry limit",
  kind: "mutation",
  tags: ["worker"],
  http: { method: "POST", path: "/jobs/{id}/fail", params: { id: "integer" } },
  input: z.strictObject({ id: jobIdSchema, leaseToken: leaseTokenSchema, error: z.string().max(20_000).default("") }),
  output: jobSchema,
  handler: (ctx, input) => ctx.scheduler.failJob(input.id, input.leaseToken, input.error),
});
