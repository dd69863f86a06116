// Checkpoints on the write path: an upload is streamed into the store under a fresh key, then
// recorded on the job under the experiment's lock (only while the uploader's lease holds);
// garbage collection decides under the same lock which ones no later job can load
// (server/pbt/retention.ts), records them as deleted, and deletes them from the store once that
// is committed. An object no job row names is invisible: an upload cut short, or refused, is
// deleted at once, or swept at start-up if the server died first (sweepOrphans).
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { finished } from "node:stream";
import { LineageError } from "../domain/errors";
import { noCheckpoint } from "../domain/checkpoint";
import { retention, type StoredCheckpoint } from "../pbt/retention";
import type { JobStatus } from "../pbt/config";
import { checkpointKey, experimentPrefix } from "../checkpoints/store";
import { Measure } from "../checkpoints/integrity";
import { withExperiment } from "./experimentLock";
import { leaseError, lockLease, readLeases } from "./leases";
import { loadMembers } from "./population";
import type { JobRow } from "./jobRows";
import type { SchedulerDeps, Tx } from "./deps";

export interface UploadOptions {
  /** Largest checkpoint accepted, in bytes. */
  maxBytes: number;
  /** The SHA-256 the client computed (hex): the upload is refused unless the bytes match it. */
  sha256?: string;
}

/**
 * Stores `body` as job `jobId`'s checkpoint. The lease is checked before a byte is read (a
 * stranger's upload costs nothing) and again, under the lock, when the upload is recorded. A job
 * that uploads again replaces its checkpoint (a retried request, or a newer save).
 */
export async function uploadCheckpoint(deps: SchedulerDeps, jobId: number, leaseToken: string, body: Readable, options: UploadOptions): Promise<JobRow> {
  const job = await checkLease(deps, jobId, leaseToken);
  const key = checkpointKey(job.experimentId, jobId, randomBytes(9).toString("base64url"));
  const measure = new Measure(options.maxBytes);
  // A client gone mid-upload fails the store's write; the size limit fails it from `measure`.
  // The request itself is left alone: the HTTP layer still answers on it (server/api/http.ts).
  finished(body, (error) => error && measure.destroy(error));
  // The store's write consumes `measure` and sees its error (the limit, or the client's) there;
  // this listener only keeps an error raised before it starts from going unhandled.
  measure.on("error", () => {});
  body.pipe(measure);
  try {
    await deps.checkpoints.write(key, measure);
  } finally {
    body.unpipe(measure);
  }
  const uploaded = { key, size: measure.size, sha256: measure.sha256() };
  try {
    if (options.sha256 !== undefined && options.sha256 !== uploaded.sha256) {
      throw new LineageError(
        "checksum_mismatch",
        `the checkpoint's bytes have SHA-256 ${uploaded.sha256}, not ${options.sha256} as the upload said: it was damaged on the way and nothing was stored; upload it again`,
        [{ field: "sha256", message: "does not match the bytes received", accepted: "the SHA-256 (hex) of the bytes sent" }],
      );
    }
    const { row, replacedKey } = await recordCheckpoint(deps, job.experimentId, jobId, leaseToken, uploaded);
    if (replacedKey !== null) await deps.checkpoints.delete([replacedKey]).catch(logDeleteFailure);
    return row;
  } catch (error) {
    await deps.checkpoints.delete([key]).catch(logDeleteFailure);
    throw error;
  }
}

async function checkLease(deps: SchedulerDeps, jobId: number, leaseToken: string) {
  const job = (await readLeases(deps.sql, [jobId])).get(jobId);
  if (job && job.status !== "running") {
    throw new LineageError(
      "lease_invalid",
      `job ${jobId} is ${job.status}: a checkpoint is uploaded while its job runs, by the worker holding its lease; nothing was stored`,
      [{ field: "leaseToken", message: `job is ${job.status}` }],
    );
  }
  const refused = leaseError(job, jobId, leaseToken, deps.now());
  if (refused) throw refused;
  return job!;
}

async function recordCheckpoint(
  deps: SchedulerDeps,
  experimentId: number,
  jobId: number,
  leaseToken: string,
  uploaded: { key: string; size: number; sha256: string },
): Promise<{ row: JobRow; replacedKey: string | null }> {
  try {
    return await withExperiment(deps, { id: experimentId }, async (tx, experiment, log, now) => {
      const refused = await lockLease(tx, jobId, leaseToken, now);
      if (refused) throw refused;
      const before = (
        await tx.query<{ key: string | null; size: number | null }>`
        SELECT "checkpointKey" AS key, "checkpointSize" AS size FROM "Job" WHERE id = ${jobId}`
      )[0]!;
      const rows = await tx.query<JobRow>`
        UPDATE "Job" SET "checkpointKey" = ${uploaded.key}, "checkpointSize" = ${uploaded.size}, "checkpointSha256" = ${uploaded.sha256},
          "checkpointUploadedAt" = ${now}::timestamp, "checkpointDeletedAt" = NULL
        WHERE id = ${jobId} RETURNING *`;
      const replaced = before.key !== null;
      await tx.query`
        UPDATE "Experiment" SET "checkpointsStored" = "checkpointsStored" + ${replaced ? 0 : 1},
          "checkpointBytesStored" = "checkpointBytesStored" + ${uploaded.size - (replaced ? Number(before.size) : 0)}
        WHERE id = ${experiment.id}`;
      const row = rows[0]!;
      log.add("checkpoint.stored", { jobId, member: row.member, data: { generation: row.generation, size: uploaded.size, sha256: uploaded.sha256, replaced } });
      return { row, replacedKey: before.key };
    });
  } catch (error) {
    // The experiment was deleted while the bytes came in, and its jobs with it.
    if (error instanceof LineageError && error.code === "experiment_not_found") throw new LineageError("job_not_found", `no job with id ${jobId}`);
    throw error;
  }
}

/**
 * Garbage collection of one experiment's checkpoints (retention.ts decides): the released ones are
 * recorded as deleted under the lock, then deleted from the store. Returns what was freed.
 */
export async function collectCheckpoints(deps: SchedulerDeps, experimentId: number): Promise<{ count: number; bytes: number }> {
  // Most experiments store none (their workers keep checkpoints themselves): no lock for them.
  const counters = await deps.sql.query<{ stored: number }>`SELECT "checkpointsStored" AS stored FROM "Experiment" WHERE id = ${experimentId}`;
  if ((counters[0]?.stored ?? 0) === 0) return { count: 0, bytes: 0 };
  const released = await withExperiment(deps, { id: experimentId }, async (tx, experiment, log, now) => {
    const stored = await storedCheckpoints(tx, experiment.id);
    if (stored.length === 0) return [];
    const members = await loadMembers(tx, experiment.id, experiment.config.populationSize);
    const parents = await tx.query<{ parentId: number }>`
      SELECT DISTINCT "parentId" FROM "Job"
      WHERE "experimentId" = ${experiment.id} AND status IN ('queued', 'running') AND "parentId" IS NOT NULL`;
    const { release } = retention({ config: experiment.config, stored, members, activeParents: parents.map((p) => p.parentId) });
    if (release.length === 0) return [];
    const rows = await tx.query<{ id: number; member: number; key: string; size: number }>`
      WITH old AS (SELECT id, "checkpointKey" AS key, "checkpointSize" AS size FROM "Job" WHERE id = ANY(${release}::int[]) AND "checkpointKey" IS NOT NULL)
      UPDATE "Job" j SET "checkpointKey" = NULL, "checkpointDeletedAt" = ${now}::timestamp
      FROM old WHERE j.id = old.id
      RETURNING j.id, j.member, old.key, old.size`;
    const bytes = rows.reduce((sum, r) => sum + Number(r.size), 0);
    await tx.query`
      UPDATE "Experiment" SET "checkpointsStored" = "checkpointsStored" - ${rows.length}, "checkpointBytesStored" = "checkpointBytesStored" - ${bytes},
        "checkpointsDeleted" = "checkpointsDeleted" + ${rows.length}, "checkpointBytesFreed" = "checkpointBytesFreed" + ${bytes}
      WHERE id = ${experiment.id}`;
    log.add("checkpoints.deleted", { data: { count: rows.length, bytes, jobIds: rows.map((r) => r.id).sort((a, b) => a - b) } });
    return rows;
  });
  // After the commit: a job that reads the row now finds the checkpoint deleted, never half there.
  if (released.length > 0) await deps.checkpoints.delete(released.map((r) => r.key)).catch(logDeleteFailure);
  return { count: released.length, bytes: released.reduce((sum, r) => sum + Number(r.size), 0) };
}

async function storedCheckpoints(tx: Tx, experimentId: number): Promise<StoredCheckpoint[]> {
  const rows = await tx.query<{ id: number; member: number; generation: number; status: string; score: number | null; diverged: boolean; pinned: boolean }>`
    SELECT id, member, generation, status, score, diverged, "checkpointPinned" AS pinned FROM "Job"
    WHERE "experimentId" = ${experimentId} AND "checkpointKey" IS NOT NULL`;
  return rows.map((r) => ({
    jobId: r.id,
    member: r.member,
    generation: r.generation,
    status: r.status as JobStatus,
    score: r.diverged || r.score === null ? null : Number(r.score),
    pinned: r.pinned,
  }));
}

/** Pins (or unpins) a job's checkpoint: a pinned one is kept by garbage collection whatever happens. */
export async function setCheckpointPinned(deps: SchedulerDeps, jobId: number, pinned: boolean): Promise<JobRow> {
  const found = await deps.sql.query<{ experimentId: number }>`SELECT "experimentId" FROM "Job" WHERE id = ${jobId}`;
  if (!found[0]) throw new LineageError("job_not_found", `no job with id ${jobId}`);
  return withExperiment(deps, { id: found[0].experimentId }, async (tx, _experiment, log) => {
    const rows = await tx.query<JobRow>`SELECT * FROM "Job" WHERE id = ${jobId} FOR UPDATE`;
    const job = rows[0];
    if (!job) throw new LineageError("job_not_found", `no job with id ${jobId}`);
    if (job.checkpointKey === null) throw noCheckpoint(job);
    if (job.checkpointPinned === pinned) return job;
    const updated = await tx.query<JobRow>`UPDATE "Job" SET "checkpointPinned" = ${pinned} WHERE id = ${jobId} RETURNING *`;
    log.add("checkpoint.pinned", { jobId, member: job.member, data: { pinned } });
    return updated[0]!;
  });
}

/**
 * Keeps a fork's source checkpoint: the forked members' first jobs load it, so its experiment's
 * garbage collection must not delete it (pinned under that experiment's lock, which the collector
 * holds while it decides). Refuses a source whose checkpoint was already deleted. Returns how to
 * undo the pin if the fork is not created after all (nothing to undo if it was pinned before, or
 * the job keeps its checkpoint itself).
 */
export async function pinForkSource(deps: SchedulerDeps, jobId: number): Promise<() => Promise<void>> {
  const nothing = async () => {};
  const rows = await deps.sql.query<Pick<JobRow, "id" | "checkpointKey" | "checkpointPinned" | "checkpointDeletedAt" | "checkpointUploadedAt">>`
    SELECT id, "checkpointKey", "checkpointPinned", "checkpointDeletedAt", "checkpointUploadedAt" FROM "Job" WHERE id = ${jobId}`;
  const job = rows[0];
  // No such job: createExperiment's check names the field.
  if (!job) return nothing;
  if (job.checkpointKey === null) {
    if (job.checkpointDeletedAt === null) return nothing;
    const error = noCheckpoint(job);
    throw new LineageError("invalid_state", error.message, [
      { field: "fork.jobId", message: "its checkpoint was deleted", accepted: 'a job whose checkpoint is still stored (pinned, or retain "all")' },
    ]);
  }
  if (job.checkpointPinned) return nothing;
  try {
    await setCheckpointPinned(deps, jobId, true);
  } catch (error) {
    // Deleted between the read and the lock: say so as above.
    if (error instanceof LineageError && error.code === "checkpoint_not_found") {
      throw new LineageError("invalid_state", error.message, [
        { field: "fork.jobId", message: "its checkpoint was deleted", accepted: "a job whose checkpoint is still stored" },
      ]);
    }
    throw error;
  }
  return async () => {
    await setCheckpointPinned(deps, jobId, false).catch(() => {});
  };
}

/** Deletes everything stored for a deleted experiment. */
export async function deleteExperimentCheckpoints(deps: SchedulerDeps, experimentId: number): Promise<void> {
  const keys: string[] = [];
  for await (const object of deps.checkpoints.list(experimentPrefix(experimentId))) keys.push(object.key);
  await deps.checkpoints.delete(keys);
}

/**
 * Deletes what no job row names and is older than `olderThan`: uploads cut short by a server that
 * died between writing and recording, objects a crash kept from being deleted, experiments deleted
 * meanwhile. Younger objects may be uploads in progress in another server process.
 */
export async function sweepOrphans(deps: SchedulerDeps, olderThan: Date): Promise<number> {
  let swept = await deps.checkpoints.sweepIncomplete(olderThan);
  let batch: string[] = [];
  const flush = async () => {
    const named = await deps.sql.query<{ key: string }>`SELECT "checkpointKey" AS key FROM "Job" WHERE "checkpointKey" = ANY(${batch}::text[])`;
    const keep = new Set(named.map((r) => r.key));
    const orphans = batch.filter((key) => !keep.has(key));
    await deps.checkpoints.delete(orphans);
    swept += orphans.length;
    batch = [];
  };
  for await (const object of deps.checkpoints.list("experiments/")) {
    if (object.modifiedAt >= olderThan) continue;
    batch.push(object.key);
    if (batch.length >= 500) await flush();
  }
  if (batch.length > 0) await flush();
  return swept;
}

function logDeleteFailure(error: unknown) {
  // The row no longer names the object: it is invisible, and the start-up sweep deletes it.
  console.error("checkpoint store: could not delete an object (swept at the next start):", error);
}
