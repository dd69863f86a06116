// Reads an experiment's population in the shape the pure engine decides on.
import type { MemberState } from "../pbt/decide";
import type { Hyperparameters, JobStatus } from "../pbt/config";
import type { Tx } from "./deps";

type LatestRow = {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  hyperparameters: Hyperparameters;
  finishedAt: Date | null;
};
type DoneRow = { id: number; member: number; generation: number; hyperparameters: Hyperparameters; score: number };

/**
 * A member's jobs are created one after another (next generation after a finished one, a retry
 * after a crash), so its latest job is the one with the highest id.
 */
export async function loadPopulation(tx: Tx, experimentId: number): Promise<MemberState[]> {
  const latest = await tx.$queryRaw<LatestRow[]>`
    SELECT DISTINCT ON (member) id, member, generation, attempt, status, hyperparameters, "finishedAt"
    FROM "Job" WHERE "experimentId" = ${experimentId} AND status <> 'pruned'
    ORDER BY member, id DESC`;
  const done = await tx.$queryRaw<DoneRow[]>`
    SELECT DISTINCT ON (member) id, member, generation, hyperparameters, score
    FROM "Job" WHERE "experimentId" = ${experimentId} AND status = 'done'
    ORDER BY member, id DESC`;
  const doneByMember = new Map(done.map((d) => [d.member, d]));
  return latest.map((l) => {
    const d = doneByMember.get(l.member);
    return {
      member: l.member,
      latest: {
        jobId: l.id,
        generation: l.generation,
        attempt: l.attempt,
        status: l.status as JobStatus,
        hyperparameters: l.hyperparameters,
        finishedAt: l.finishedAt ? new Date(l.finishedAt).getTime() : null,
      },
      lastDone: d
        ? { jobId: d.id, generation: d.generation, hyperparameters: d.hyperparameters, score: Number(d.score) }
        : null,
    };
  });
}
