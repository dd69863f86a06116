// Garbage collection of checkpoints by lineage: which stored checkpoints a later job may still
// load, and so must be kept. A pure function of the population (like decide.ts): the scheduler
// runs it under the experiment's lock after jobs finish, and deletes the rest.
//
// A checkpoint is kept while it is
//   - pinned by a user;
//   - its own job's, still running (the worker uploaded it before completing);
//   - the parent of a queued or running job (which loads it; a retry loads the same one);
//   - a member's latest (its newest finished job that stored one): what the member continues from;
//   - a possible donor: a member's latest finished job whose generation + 1 < maxGenerations (the
//     jobs async decisions rank), and in sync mode every finished job of a generation that a
//     decision may still rank (a straggler decided later ranks the whole generation);
//   - the best job's (the head of the best lineage), so that it can be exported after the run;
//   - among its member's `keepLast` latest, when the experiment asks for that.
// With `retain: "all"` nothing is deleted. The lineage's earlier checkpoints are not kept: each is
// an earlier state of the same run, and the best schedule replays it.
import type { ExperimentConfig, JobStatus } from "./config";
import { isFinished, isInFlight, isReady, settledGeneration, type MemberState } from "./member";
import { bestJob } from "./schedule";

/** A job whose checkpoint the server stores now. */
export interface StoredCheckpoint {
  jobId: number;
  member: number;
  generation: number;
  status: JobStatus;
  /** null until done, and for a diverged run. */
  score: number | null;
  pinned: boolean;
}

export interface RetentionState {
  config: Pick<ExperimentConfig, "checkpoints" | "objective" | "stop" | "mode" | "maxRetries" | "failedMembers" | "exploit">;
  stored: StoredCheckpoint[];
  /** Every member's latest job and latest finished job (scheduler/population.ts's loadMembers). */
  members: MemberState[];
  /** The parentId of every queued or running job. */
  activeParents: number[];
}

export type KeepReason = "retain-all" | "pinned" | "running" | "parent" | "latest" | "donor" | "generation" | "best" | "keep-last";

export interface Retention {
  /** Each kept checkpoint's job, with every reason it is kept. */
  keep: Map<number, KeepReason[]>;
  /** Jobs whose checkpoints no later job can need: to delete. */
  release: number[];
}

export function retention(state: RetentionState): Retention {
  const { config, stored } = state;
  const keep = new Map<number, KeepReason[]>();
  const storedIds = new Set(stored.map((c) => c.jobId));
  const mark = (jobId: number, reason: KeepReason) => {
    if (!storedIds.has(jobId)) return;
    const reasons = keep.get(jobId);
    if (reasons) reasons.push(reason);
    else keep.set(jobId, [reason]);
  };

  if (config.checkpoints.retain === "all") {
    for (const c of stored) mark(c.jobId, "retain-all");
    return { keep, release: [] };
  }

  const done = stored.filter((c) => c.status === "done");
  for (const c of stored) {
    if (c.pinned) mark(c.jobId, "pinned");
    if (c.status === "running" || c.status === "queued") mark(c.jobId, "running");
  }
  for (const parent of state.activeParents) mark(parent, "parent");

  // Newest first per member (ids grow with creation, and a member's jobs are created in order).
  const byMember = new Map<number, StoredCheckpoint[]>();
  for (const c of [...done].sort((a, b) => b.jobId - a.jobId)) {
    const list = byMember.get(c.member);
    if (list) list.push(c);
    else byMember.set(c.member, [c]);
  }
  for (const list of byMember.values()) {
    mark(list[0]!.jobId, "latest");
    for (const c of list.slice(0, config.checkpoints.keepLast ?? 0)) mark(c.jobId, "keep-last");
  }

  for (const m of state.members) {
    const last = m.lastDone;
    if (last !== null && last.score !== null && last.generation + 1 < config.stop.maxGenerations) mark(last.jobId, "donor");
  }
  if (config.mode === "sync") {
    const generations = generationsMayRank(state.members, config);
    for (const c of done) if (generations.has(c.generation)) mark(c.jobId, "generation");
  }

  const best = bestJob(
    done.map((c) => ({ ...c, id: c.jobId })),
    config.objective,
  );
  if (best) mark(best.jobId, "best");

  return { keep, release: stored.filter((c) => !keep.has(c.jobId)).map((c) => c.jobId) };
}

/**
 * sync mode: the generations whose finished jobs a decision may still rank. A ready member is
 * decided on the generation it settled; a member still training (or retrying) generation g will
 * be decided on g once it settles it, even after the others moved on (syncQuorum < 1).
 */
export function generationsMayRank(members: MemberState[], config: RetentionState["config"]): Set<number> {
  const generations = new Set<number>();
  for (const m of members) {
    if (isInFlight(m, config)) generations.add(m.latest.generation);
    else if (isReady(m, config) && !isFinished(m, config)) generations.add(settledGeneration(m, config));
  }
  return generations;
}
