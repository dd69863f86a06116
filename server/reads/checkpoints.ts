// Reading checkpoints: a job's, the one a job continues from (its parent's; after an exploit the
// donor's), the best job's, and an experiment's usage. A stored file is checked against the
// checksum recorded at its upload before any byte is sent (checkpoints/integrity.ts).
import { LineageError } from "../domain/errors";
import type { CheckpointUsage } from "../domain/checkpoint";
import { checkpointOf } from "../db/rows";
import type { Job as JobRow } from "../db/generated/client";
import { verifyStored } from "../checkpoints/integrity";
import type { CheckpointStore } from "../checkpoints/store";
import { noCheckpoint } from "../domain/checkpoint";
import { getExperiment } from "./experiments";
import type { Readable } from "node:stream";
import { fileStem } from "./export";
import type { ReadDeps } from "./deps";

/** A stored checkpoint, ready to stream: its size and checksum go out as headers before its bytes. */
export interface CheckpointFile {
  contentType: "application/octet-stream";
  filename: string;
  body: Readable;
  size: number;
  /** SHA-256 of the bytes, hex: the client checks what it received against it. */
  sha256: string;
  jobId: number;
}

const CHECKPOINT_COLUMNS = {
  id: true,
  experimentId: true,
  member: true,
  generation: true,
  parentId: true,
  checkpointKey: true,
  checkpointSize: true,
  checkpointSha256: true,
  checkpointUploadedAt: true,
  checkpointDeletedAt: true,
  checkpointPinned: true,
  experiment: { select: { name: true } },
} as const;

type CheckpointRow = Pick<
  JobRow,
  "id" | "member" | "generation" | "checkpointKey" | "checkpointSize" | "checkpointSha256" | "checkpointUploadedAt" | "checkpointDeletedAt"
> & {
  experiment: { name: string };
};

async function findJob(db: ReadDeps, id: number) {
  const job = await db.prisma.job.findUnique({ where: { id }, select: CHECKPOINT_COLUMNS });
  if (!job) throw new LineageError("job_not_found", `no job with id ${id}`);
  return job;
}

/** Job `jobId`'s own checkpoint. */
export async function jobCheckpoint(db: ReadDeps, store: CheckpointStore, jobId: number): Promise<CheckpointFile> {
  return open(store, await findJob(db, jobId));
}

/** The checkpoint job `jobId` continues from: its parent's (after an exploit, the donor's). */
export async function parentCheckpoint(db: ReadDeps, store: CheckpointStore, jobId: number): Promise<CheckpointFile> {
  const job = await findJob(db, jobId);
  if (job.parentId === null) {
    throw new LineageError(
      "checkpoint_not_found",
      `job ${jobId} is a first generation (generation ${job.generation}): it starts from scratch and continues no checkpoint`,
    );
  }
  return open(store, await findJob(db, job.parentId));
}

/** The best finished job (the head of the best lineage, as the best schedule picks it) and its checkpoint. */
export async function bestCheckpoint(db: ReadDeps, store: CheckpointStore, name: string): Promise<CheckpointFile> {
  const experiment = await getExperiment(db, name);
  const best = await findBest(db, experiment.id, experiment.config.objective);
  if (!best) throw new LineageError("checkpoint_not_found", `experiment ${JSON.stringify(name)} has no finished job with a score yet`);
  return open(store, best);
}

function findBest(db: ReadDeps, experimentId: number, objective: "maximize" | "minimize") {
  // The tie rules of pbt/schedule.ts's bestJob: the later generation, then the lower id.
  return db.prisma.job.findFirst({
    where: { experimentId, status: "done", diverged: false, score: { not: null } },
    orderBy: [{ score: objective === "maximize" ? "desc" : "asc" }, { generation: "desc" }, { id: "asc" }],
    select: { ...CHECKPOINT_COLUMNS, score: true },
  });
}

async function open(store: CheckpointStore, job: CheckpointRow): Promise<CheckpointFile> {
  if (job.checkpointKey === null || job.checkpointSha256 === null || job.checkpointSize === null) throw noCheckpoint(job);
  const expected = { size: Number(job.checkpointSize), sha256: job.checkpointSha256 };
  const what = `job ${job.id}`;
  // Read twice: once to check it (a damaged file is refused before any byte is sent), then to send it.
  await verifyStored(store, job.checkpointKey, expected, what);
  const object = await store.read(job.checkpointKey);
  if (!object) throw new LineageError("checkpoint_not_found", `${what}: the checkpoint was deleted while it was being read; ask again`);
  return {
    contentType: "application/octet-stream",
    filename: `${fileStem(job.experiment.name)}-job-${job.id}.ckpt`,
    body: object.body,
    size: expected.size,
    sha256: expected.sha256,
    jobId: job.id,
  };
}

export async function checkpointUsage(db: ReadDeps, name: string): Promise<CheckpointUsage> {
  const experiment = await getExperiment(db, name);
  const counters = await db.prisma.experiment.findUniqueOrThrow({
    where: { id: experiment.id },
    select: { checkpointsStored: true, checkpointBytesStored: true, checkpointsDeleted: true, checkpointBytesFreed: true },
  });
  const pinned = await db.prisma.job.count({ where: { experimentId: experiment.id, checkpointPinned: true, checkpointKey: { not: null } } });
  const best = await findBest(db, experiment.id, experiment.config.objective);
  return {
    stored: { count: counters.checkpointsStored, bytes: Number(counters.checkpointBytesStored) },
    deleted: { count: counters.checkpointsDeleted, bytes: Number(counters.checkpointBytesFreed) },
    pinned,
    retain: experiment.config.checkpoints.retain,
    keepLast: experiment.config.checkpoints.keepLast ?? null,
    best: best && { jobId: best.id, member: best.member, generation: best.generation, score: best.score!, checkpoint: checkpointOf(best) },
  };
}
