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
 * after a crash), so its latest job is the one with the highest id. Each member's row is found by
 * a short backwards walk of the (experimentId, member, id) index, so a decision costs the same
 * whether the experiment has finished a hundred jobs or a hundred thousand.
 */
export async function loadPopulation(tx: Tx, experimentId: number, populationSize: number): Promise<MemberState[]> {
  const latest = await tx.$queryRaw<LatestRow[]>`
    SELECT j.id, j.member, j.generation, j.attempt, j.status, j.hyperparameters, j."finishedAt"
    FROM generate_series(0, ${populationSize - 1}::int) AS m(member)
    CROSS JOIN LATERAL (
      SELECT * FROM "Job" WHERE "experimentId" = ${experimentId} AND member = m.member AND status <> 'pruned'
      ORDER BY id DESC LIMIT 1
    ) AS j`;
  const done = await tx.$queryRaw<DoneRow[]>`
    SELECT j.id, j.member, j.generation, j.hyperparameters, j.score
    FROM generate_series(0, ${populationSize - 1}::int) AS m(member)
    CROSS JOIN LATERAL (
      SELECT * FROM "Job" WHERE "experimentId" = ${experimentId} AND member = m.member AND status = 'done'
      ORDER BY id DESC LIMIT 1
    ) AS j`;
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
