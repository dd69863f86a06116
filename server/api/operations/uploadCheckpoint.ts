import { z } from "zod";
import { LineageError } from "../../domain/errors";
import { jobSchema } from "../../domain/job";
import { SHA256_HEX } from "../../checkpoints/integrity";
import { jobIdSchema, leaseTokenSchema } from "../schemas";
import { op } from "./define";

/** Headers of an upload: the body is the checkpoint's bytes, so these fields travel beside it (never in the URL). */
export const LEASE_TOKEN_HEADER = "x-lineage-lease-token";

export const uploadCheckpoint = op({
  name: "uploadCheckpoint",
  access: "work",
  summary: "Upload the job's checkpoint (raw bytes, streamed) while holding its lease; uploading again replaces it",
  kind: "mutation",
  tags: ["checkpoints"],
  http: {
    method: "PUT",
    path: "/jobs/{id}/checkpoint",
    params: { id: "integer" },
    rawBody: true,
    headers: { leaseToken: LEASE_TOKEN_HEADER, sha256: "x-lineage-checksum-sha256" },
  },
  trpc: false,
  input: z.strictObject({
    id: jobIdSchema,
    leaseToken: leaseTokenSchema.describe(`the job's lease token, in the ${LEASE_TOKEN_HEADER} header`),
    sha256: z
      .string()
      .regex(SHA256_HEX, { error: "must be 64 lowercase hexadecimal digits" })
      .optional()
      .describe("the SHA-256 of the bytes (hex), in the x-lineage-checksum-sha256 header: the upload is refused (checksum_mismatch) unless they match"),
  }),
  output: jobSchema.describe("the job, its checkpoint's size and checksum recorded"),
  handler: (ctx, input) => {
    if (!ctx.upload) throw new LineageError("invalid_input", "a checkpoint is uploaded over HTTP: PUT /api/v1/jobs/{id}/checkpoint with the bytes as the body");
    return ctx.scheduler.uploadCheckpoint(input.id, input.leaseToken, ctx.upload, input.sha256);
  },
});
