// What the events of an experiment's log mean for its overview (overview.ts): one pure fold,
// used by the browser to keep the page current between snapshots, and checked against the
// database's own read model by a property test (projection.test.ts).
//
// It is built for hundreds of events a second: a batch costs O(batch) plus one copy of the arrays
// it changes, and a job or member row that did not change keeps its object, so views memoised
// per job redraw only what changed.
import { depthReached } from "../pbt/member";
import { ancestry, bestJob, type ScheduleJob } from "../pbt/schedule";
import type { EventOf, LineageEvent } from "./event";
import type { BestLineage, ExperimentOverview, JobNode, MemberRow, Progress } from "./overview";

/** Where each job and member row sits in an overview's arrays; kept current by applyEvents. */
export interface OverviewIndex {
  jobs: Map<number, number>;
  members: Map<number, number>;
}

export function indexOverview(overview: Pick<ExperimentOverview, "jobs" | "members">): OverviewIndex {
  return {
    jobs: new Map(overview.jobs.map((j, i) => [j.id, i])),
    members: new Map(overview.members.map((m, i) => [m.member, i])),
  };
}

/** The job status each event moves its job to. */
const STATUS_OF = { "job.finished": "done", "job.crashed": "crashed" } as const;

/**
 * The overview after `events` (in seq order): a new object sharing everything that did not change,
 * or `overview` itself when nothing it shows changed. `index` must describe `overview`; it is
 * updated to describe the result. Events the overview already holds (seq up to its lastEventSeq)
 * are the caller's to leave out.
 */
export function applyEvents(overview: ExperimentOverview, events: LineageEvent[], index: OverviewIndex): ExperimentOverview {
  let jobs: JobNode[] | null = null;
  let members: MemberRow[] | null = null;
  let progress: Progress | null = null;
  let experiment = overview.experiment;
  const jobsW = () => (jobs ??= overview.jobs.slice());
  const membersW = () => (members ??= overview.members.slice());
  const progressW = () => (progress ??= { ...overview.progress });
  const count = (status: JobNode["status"], delta: number) => {
    const p = progressW();
    if (status === "done") p.done += delta;
    else if (status === "running") p.running += delta;
    else if (status === "queued") p.queued += delta;
    else if (status === "crashed") p.crashed += delta;
  };
  const jobAt = (id: number | null) => {
    const at = id === null ? undefined : index.jobs.get(id);
    return at === undefined ? undefined : { at, job: (jobs ?? overview.jobs)[at]! };
  };
  const setRow = (member: number, change: (row: MemberRow) => MemberRow | null) => {
    const i = index.members.get(member);
    if (i === undefined) return;
    const next = change((members ?? overview.members)[i]!);
    if (next) membersW()[i] = next;
  };

  for (const e of events) {
    switch (e.type) {
      case "experiment.status":
        if (experiment.status !== e.data.to) experiment = { ...experiment, status: e.data.to };
        break;
      case "experiment.extended": {
        // Depths reached so far lie below the old limit, so only the total grows.
        const { populationSize } = experiment.config;
        experiment = { ...experiment, config: { ...experiment.config, stop: e.data.to } };
        progressW().total = populationSize * e.data.to.maxGenerations;
        break;
      }
      case "job.created": {
        if (e.jobId === null || e.member === null || index.jobs.has(e.jobId)) break;
        const node = jobFromCreated(e as EventOf<"job.created"> & { jobId: number; member: number });
        index.jobs.set(node.id, jobsW().length);
        jobs!.push(node);
        count(node.status, +1);
        if (!index.members.has(node.member)) addMember(membersW(), node, index);
        else {
          setRow(node.member, (row) => ({
            ...row,
            jobId: node.id,
            generation: node.generation,
            status: node.status,
            hyperparameters: node.hyperparameters,
            exploits: row.exploits + (node.origin === "exploit" ? 1 : 0),
          }));
        }
        break;
      }
      case "exploit": {
        const found = jobAt(e.jobId);
        if (!found) break;
        const { donorJobId, reason } = e.data;
        if (found.job.donorJobId !== donorJobId || found.job.exploitReason !== reason) {
          jobsW()[found.at] = { ...found.job, donorJobId, exploitReason: reason };
        }
        break;
      }
      case "job.started": {
        // A job handed out as it is created is already running: only its worker is news.
        const found = jobAt(e.jobId);
        if (!found) break;
        if (found.job.status !== "running") {
          count(found.job.status, -1);
          count("running", +1);
          jobsW()[found.at] = { ...found.job, status: "running" };
        }
        setRow(found.job.member, (row) =>
          row.jobId === found.job.id && (row.status !== "running" || row.workerId !== e.data.workerId)
            ? { ...row, status: "running", workerId: e.data.workerId }
            : null,
        );
        break;
      }
      case "job.finished":
      case "job.crashed": {
        const found = jobAt(e.jobId);
        const status = STATUS_OF[e.type];
        if (!found || found.job.status === status) break;
        const { job, at } = found;
        const score = e.type === "job.finished" ? e.data.score : job.score;
        const diverged = e.type === "job.finished" ? e.data.diverged : job.diverged;
        count(job.status, -1);
        count(status, +1);
        jobsW()[at] = { ...job, status, score, diverged };
        setRow(job.member, (row) => {
          if (row.jobId !== job.id) return null;
          if (e.type === "job.crashed") return { ...row, status, crashes: row.crashes + 1 };
          const { maxGenerations } = experiment.config.stop;
          progressW().reached += depthReached(job.generation, maxGenerations) - depthReached(row.scoreGeneration, maxGenerations);
          return { ...row, status, score, diverged, scoreGeneration: job.generation };
        });
        break;
      }
      case "jobs.pruned":
        for (const id of e.data.jobIds ?? []) {
          const found = jobAt(id);
          if (!found || found.job.status !== "queued") continue;
          count("queued", -1);
          jobsW()[found.at] = { ...found.job, status: "pruned" };
          setRow(found.job.member, (row) => (row.jobId === id ? { ...row, status: "pruned" } : null));
        }
        break;
      default:
        // explore, member.exhausted, experiment.created, checkpoints: nothing the overview shows.
        break;
    }
    if (e.seq > experiment.lastEventSeq) experiment = { ...experiment, lastEventSeq: e.seq };
  }
  if (!jobs && !members && !progress && experiment === overview.experiment) return overview;
  const nextJobs = jobs ?? overview.jobs;
  return {
    ...overview,
    experiment,
    progress: progress ?? overview.progress,
    jobs: nextJobs,
    members: members ?? overview.members,
    // With every job at hand, the best lineage follows them; a windowed overview keeps the server's.
    best: jobs && overview.window.latestPerMember === null ? bestLineage(nextJobs, experiment.config.objective) : overview.best,
  };
}

function jobFromCreated(e: EventOf<"job.created"> & { jobId: number; member: number }): JobNode {
  return {
    id: e.jobId,
    member: e.member,
    generation: e.data.generation,
    attempt: e.data.attempt,
    status: e.data.status,
    score: null,
    diverged: false,
    parentId: e.data.parentId,
    origin: e.data.origin,
    // The exploit event that follows says the same for a new exploit; a retry has only this.
    donorJobId: e.data.donorJobId ?? null,
    exploitReason: e.data.exploitReason ?? null,
    hyperparameters: e.data.hyperparameters,
  };
}

/** A member's first job: its row, in member order. */
function addMember(members: MemberRow[], job: JobNode, index: OverviewIndex) {
  const row: MemberRow = {
    member: job.member,
    jobId: job.id,
    generation: job.generation,
    status: job.status,
    hyperparameters: job.hyperparameters,
    score: null,
    diverged: false,
    scoreGeneration: null,
    workerId: null,
    heartbeatAt: null,
    exploits: job.origin === "exploit" ? 1 : 0,
    crashes: 0,
  };
  let i = members.findIndex((m) => m.member > job.member);
  if (i < 0) i = members.length;
  members.splice(i, 0, row);
  index.members = new Map(members.map((m, k) => [m.member, k]));
}

type LineageJob = Pick<ScheduleJob, "id" | "member" | "generation" | "status" | "score" | "parentId">;

/** The best finished job and its ancestry (pbt/schedule.ts's rule). */
export function bestLineage(jobs: LineageJob[], objective: "maximize" | "minimize"): BestLineage | null {
  const best = bestJob(jobs as unknown as ScheduleJob[], objective);
  if (!best) return null;
  const chain = ancestry(best.id, new Map(jobs.map((j) => [j.id, j])));
  return { jobId: best.id, member: best.member, generation: best.generation, score: best.score!, jobIds: chain.map((j) => j.id) };
}
