// The experiment page's read model: every job as a light node (for the lineage tree and the
// hyperparameter schedules), one row per member (the population table), progress and the best
// lineage. Curves are separate (curves.ts): they are the heavy part and refresh on their own.
import { LineageError } from "../api/errors";
import type { PrismaClient } from "../db/generated/client";
import type { ExperimentConfig, ExploitReason, JobOrigin, JobStatus } from "../pbt/config";
import { depthReached } from "../pbt/member";
import { toExperimentView, type ExperimentView } from "../scheduler/views";
import { bestLineage, type BestLineage } from "./lineage";

type Json = unknown;

/** A job as the tree and the schedules draw it. */
export interface JobNode {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: JobStatus;
  score: number | null;
  /** Done with a non-finite metric (score is null). */
  diverged: boolean;
  parentId: number | null;
  origin: JobOrigin;
  donorJobId: number | null;
  exploitReason: ExploitReason | null;
  hyperparameters: Record<string, Json>;
}

/** One row of the population table: a member and its latest job. */
export interface MemberRow {
  member: number;
  jobId: number;
  generation: number;
  status: JobStatus;
  hyperparameters: Record<string, Json>;
  /** Score of the member's latest finished job. */
  score: number | null;
  /** The member's latest finished job diverged. */
  diverged: boolean;
  scoreGeneration: number | null;
  workerId: string | null;
  heartbeatAt: string | null;
  exploits: number;
  crashes: number;
}

export interface Progress {
  /** Finished jobs. */
  done: number;
  /**
   * How deep the members' lineages reach, summed over the population: each member counts its
   * latest finished generation + 1 (at most maxGenerations), out of populationSize × maxGenerations.
   * A copy jumps with its donor, so this, not the number of jobs, says how far the run is.
   */
  reached: number;
  total: number;
  running: number;
  queued: number;
  crashed: number;
}

export interface ExperimentOverview {
  experiment: ExperimentView;
  progress: Progress;
  best: BestLineage | null;
  members: MemberRow[];
  jobs: JobNode[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function experimentOverview(prisma: PrismaClient, name: string): Promise<ExperimentOverview> {
  const row = await prisma.experiment.findUnique({ where: { name } });
  if (!row) throw new LineageError("experiment_not_found", `no experiment named ${JSON.stringify(name)}`);
  const experiment = toExperimentView(row);
  const config: ExperimentConfig = experiment.config;
  const rows = await prisma.job.findMany({
    where: { experimentId: experiment.id },
    orderBy: { id: "asc" },
    select: {
      id: true, member: true, generation: true, attempt: true, status: true, score: true, diverged: true, parentId: true,
      origin: true, donorJobId: true, exploitReason: true, hyperparameters: true, workerId: true, heartbeatAt: true,
    },
  });
  const jobs: JobNode[] = rows.map((j) => ({
    id: j.id,
    member: j.member,
    generation: j.generation,
    attempt: j.attempt,
    status: j.status as JobStatus,
    score: j.score,
    diverged: j.diverged,
    parentId: j.parentId,
    origin: j.origin as JobOrigin,
    donorJobId: j.donorJobId,
    exploitReason: j.exploitReason as ExploitReason | null,
    hyperparameters: j.hyperparameters as Record<string, Json>,
  }));

  const members = new Map<number, MemberRow>();
  const progress: Progress = { done: 0, reached: 0, total: config.populationSize * config.stop.maxGenerations, running: 0, queued: 0, crashed: 0 };
  for (const j of rows) {
    const status = j.status as JobStatus;
    if (status === "done") progress.done++;
    else if (status === "running") progress.running++;
    else if (status === "queued") progress.queued++;
    else if (status === "crashed") progress.crashed++;
    const previous = members.get(j.member);
    // Rows come in id order, so the last one seen is the member's latest job.
    const m: MemberRow = {
      member: j.member,
      jobId: j.id,
      generation: j.generation,
      status,
      hyperparameters: j.hyperparameters as Record<string, Json>,
      score: previous?.score ?? null,
      diverged: previous?.diverged ?? false,
      scoreGeneration: previous?.scoreGeneration ?? null,
      workerId: j.workerId ?? previous?.workerId ?? null,
      heartbeatAt: iso(j.heartbeatAt) ?? previous?.heartbeatAt ?? null,
      exploits: (previous?.exploits ?? 0) + (j.origin === "exploit" ? 1 : 0),
      crashes: (previous?.crashes ?? 0) + (status === "crashed" ? 1 : 0),
    };
    if (status === "done") {
      m.score = j.score;
      m.diverged = j.diverged;
      m.scoreGeneration = j.generation;
    }
    members.set(j.member, m);
  }

  for (const m of members.values()) progress.reached += depthReached(m.scoreGeneration, config.stop.maxGenerations);
  return {
    experiment,
    progress,
    best: bestLineage(jobs, config.objective),
    members: [...members.values()].sort((a, b) => a.member - b.member),
    jobs,
  };
}
