// Checkpoints the server stores: one job's (part of the job's shape), and an experiment's usage.
import { z } from "zod";
import { CHECKPOINT_RETENTION } from "../pbt/config";
import { LineageError } from "./errors";
import { isoDate } from "./json";

/** A checkpoint the server stores for a job (uploaded by its worker while it held the lease). */
export const checkpointSchema = z.object({
  size: z.int().describe("bytes"),
  sha256: z.string().describe("SHA-256 of the bytes, hex: checked on every download"),
  uploadedAt: isoDate,
  pinned: z.boolean().describe("kept by garbage collection whatever else happens"),
  deletedAt: isoDate.nullable().describe("when garbage collection deleted it (no later job could load it); null while it is stored"),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

const amount = z.object({ count: z.int(), bytes: z.int() });

/** What an experiment's checkpoints take, and what garbage collection gave back. */
export const checkpointUsageSchema = z.object({
  stored: amount.describe("checkpoints stored now"),
  deleted: amount.describe("checkpoints garbage collection deleted so far (the space freed)"),
  pinned: z.int().describe("stored checkpoints pinned by a user"),
  retain: z.enum(CHECKPOINT_RETENTION),
  keepLast: z.int().nullable(),
  best: z
    .object({ jobId: z.int(), member: z.int(), generation: z.int(), score: z.number(), checkpoint: checkpointSchema.nullable() })
    .nullable()
    .describe("the best finished job (the head of the best lineage) and its checkpoint, if its worker uploaded one"),
});
export type CheckpointUsage = z.infer<typeof checkpointUsageSchema>;

/** Why a job has no checkpoint to give: it never stored one, or garbage collection deleted it. */
export function noCheckpoint(job: { id: number; checkpointDeletedAt: Date | string | null }): LineageError {
  if (job.checkpointDeletedAt !== null) {
    return new LineageError(
      "checkpoint_not_found",
      `job ${job.id}'s checkpoint was deleted at ${new Date(job.checkpointDeletedAt).toISOString()} by garbage collection: no later job could load it. Pin checkpoints you want to keep, or create experiments with checkpoints.retain "all" or keepLast.`,
    );
  }
  return new LineageError(
    "checkpoint_not_found",
    `job ${job.id} has no checkpoint on the server: its worker uploaded none (it may keep its checkpoints itself, e.g. at a model_path in its results)`,
  );
}
