// The experiment's overview as the page shows it: the last fetched snapshot, with every live job
// event received since applied on top. Two rules keep it cheap at hundreds of events a second:
//   - a batch of events costs O(batch) plus one copy of the jobs array, never a rebuild;
//   - a job (or member row) that did not change keeps its object, so views memoised per job
//     redraw only what changed, also when a refetched snapshot replaces the whole overview.
// And one rule keeps it correct: a snapshot answered before an event must not undo what the
// event showed, so events newer than the snapshot are kept and applied again over it.
import { depthReached } from "@/server/pbt/member";
import type { LiveEvent, LiveHeartbeat } from "../live/socket";
import type { JobNode, MemberRow, Overview } from "./types";

/**
 * Events kept to re-apply over the next snapshot (those newer than the current one). Bounded so a
 * page whose refetches keep failing does not grow forever; at that size a snapshot would have to
 * be minutes old for the bound to matter.
 */
const MAX_PENDING = 100_000;

const EVENT_STATUS: Record<string, JobNode["status"]> = { "job.started": "running", "job.finished": "done", "job.crashed": "crashed" };
const RELEVANT = new Set(["experiment.status", "exploit", "job.created", ...Object.keys(EVENT_STATUS)]);

export class LiveOverview {
  private snapshot: Overview | null = null;
  private pending: LiveEvent[] = [];
  private shown: Overview | null = null;
  /** Job id → its index in `shown.jobs`; member → its index in `shown.members`. */
  private jobIndex = new Map<number, number>();
  private memberIndex = new Map<number, number>();

  get current(): Overview | null {
    return this.shown;
  }

  /** A fetched overview. Returns what to show: the snapshot with the newer events on top. */
  rebase(snapshot: Overview): Overview {
    if (snapshot === this.snapshot && this.shown) return this.shown;
    const seq = snapshot.experiment.lastEventSeq;
    // Refetches never overlap, but a mutation's invalidation may race one: never go back.
    if (this.snapshot && this.shown && seq < this.snapshot.experiment.lastEventSeq) return this.shown;
    const previous = this.shown;
    this.snapshot = snapshot;
    this.pending = this.pending.filter((e) => e.seq > seq);
    this.shown = snapshot;
    this.reindex();
    this.applyToShown(this.pending);
    if (previous) this.keepUnchanged(previous);
    return this.shown;
  }

  /** Live events, in seq order. Returns the new overview, or null when nothing it shows changed. */
  apply(events: LiveEvent[]): Overview | null {
    if (!this.snapshot) return null;
    const seq = this.snapshot.experiment.lastEventSeq;
    const fresh = events.filter((e) => e.seq > seq && RELEVANT.has(e.type));
    if (fresh.length === 0) return null;
    this.pending.push(...fresh);
    if (this.pending.length > MAX_PENDING) this.pending = this.pending.slice(-MAX_PENDING);
    const before = this.shown;
    this.applyToShown(fresh);
    return this.shown === before ? null : this.shown;
  }

  /** Heartbeats: the member rows' last-heartbeat times. */
  heartbeats(messages: LiveHeartbeat[]): Overview | null {
    const shown = this.shown;
    if (!shown) return null;
    let members: MemberRow[] | null = null;
    for (const beat of messages) {
      const i = this.memberIndex.get(beat.member);
      const row = i === undefined ? undefined : (members ?? shown.members)[i];
      if (i === undefined || !row || row.jobId !== beat.jobId || row.heartbeatAt === beat.at) continue;
      members ??= shown.members.slice();
      members[i] = { ...row, heartbeatAt: beat.at };
    }
    if (!members) return null;
    this.shown = { ...shown, members };
    return this.shown;
  }

  private reindex() {
    this.jobIndex = new Map(this.shown!.jobs.map((j, i) => [j.id, i]));
    this.memberIndex = new Map(this.shown!.members.map((m, i) => [m.member, i]));
  }

  /** What job events say: new jobs (tree nodes, member rows), status changes, scores, donors, the experiment's status. */
  private applyToShown(events: LiveEvent[]) {
    const shown = this.shown!;
    let jobs: JobNode[] | null = null;
    let members: MemberRow[] | null = null;
    let progress: Overview["progress"] | null = null;
    let experiment = shown.experiment;
    const jobsW = () => (jobs ??= shown.jobs.slice());
    const membersW = () => (members ??= shown.members.slice());
    const count = (status: JobNode["status"], delta: number) => {
      const p = (progress ??= { ...shown.progress });
      if (status === "done") p.done += delta;
      else if (status === "running") p.running += delta;
      else if (status === "queued") p.queued += delta;
      else if (status === "crashed") p.crashed += delta;
    };
    const reach = (delta: number) => {
      if (delta !== 0) (progress ??= { ...shown.progress }).reached += delta;
    };
    const setRow = (member: number, change: (row: MemberRow) => MemberRow | null) => {
      const i = this.memberIndex.get(member);
      if (i === undefined) return;
      const next = change((members ?? shown.members)[i]!);
      if (next) membersW()[i] = next;
    };

    for (const e of events) {
      const d = e.data;
      if (e.type === "experiment.status") {
        if (experiment.status !== d.to) experiment = { ...experiment, status: d.to as Overview["experiment"]["status"] };
        continue;
      }
      if (e.jobId === null) continue;
      const at = this.jobIndex.get(e.jobId);
      const job = at === undefined ? undefined : (jobs ?? shown.jobs)[at];
      if (e.type === "job.created" && !job && e.member !== null) {
        const node: JobNode = {
          id: e.jobId,
          member: e.member,
          generation: d.generation as number,
          attempt: d.attempt as number,
          status: d.status as JobNode["status"],
          score: null,
          diverged: false,
          parentId: (d.parentId as number | null) ?? null,
          origin: d.origin as JobNode["origin"],
          donorJobId: null,
          exploitReason: null,
          hyperparameters: (d.hyperparameters ?? {}) as JobNode["hyperparameters"],
        };
        this.jobIndex.set(node.id, jobsW().length);
        jobs!.push(node);
        count(node.status, +1);
        if (!this.memberIndex.has(node.member)) this.addMember(membersW(), node);
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
      } else if (e.type === "exploit" && job && at !== undefined) {
        const donorJobId = (d.donorJobId as number | null) ?? null;
        const exploitReason = (d.reason as JobNode["exploitReason"] | undefined) ?? null;
        if (job.donorJobId !== donorJobId || job.exploitReason !== exploitReason) jobsW()[at] = { ...job, donorJobId, exploitReason };
      } else if (EVENT_STATUS[e.type] && job && at !== undefined && job.status !== EVENT_STATUS[e.type]) {
        const status = EVENT_STATUS[e.type]!;
        const score = typeof d.score === "number" ? d.score : job.score;
        const diverged = d.diverged === true;
        count(job.status, -1);
        count(status, +1);
        jobsW()[at] = { ...job, status, score, diverged };
        setRow(job.member, (row) => {
          if (row.jobId !== job.id) return null;
          if (status === "done") {
            const maxGenerations = experiment.config.stop.maxGenerations;
            reach(depthReached(job.generation, maxGenerations) - depthReached(row.scoreGeneration, maxGenerations));
            return { ...row, status, score, diverged, scoreGeneration: job.generation };
          }
          if (status === "running" && typeof d.workerId === "string") return { ...row, status, workerId: d.workerId };
          return { ...row, status, crashes: row.crashes + (status === "crashed" ? 1 : 0) };
        });
      }
    }
    if (jobs || members || progress || experiment !== shown.experiment) {
      this.shown = {
        ...shown,
        experiment,
        progress: progress ?? shown.progress,
        jobs: jobs ?? shown.jobs,
        members: members ?? shown.members,
      };
    }
  }

  /** A member's first job: its row, in member order. */
  private addMember(members: MemberRow[], job: JobNode) {
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
    this.memberIndex = new Map(members.map((m, k) => [m.member, k]));
  }

  /** After a rebase: jobs and rows equal to what was shown keep the shown object. */
  private keepUnchanged(previous: Overview) {
    const shown = this.shown!;
    const oldJobs = new Map(previous.jobs.map((j) => [j.id, j]));
    const jobs = shown.jobs.map((j) => {
      const old = oldJobs.get(j.id);
      return old && sameJob(old, j) ? old : j;
    });
    const oldRows = new Map(previous.members.map((m) => [m.member, m]));
    const members = shown.members.map((m) => {
      const old = oldRows.get(m.member);
      return old && sameRow(old, m) ? old : m;
    });
    this.shown = { ...shown, jobs, members };
  }
}

function sameJob(a: JobNode, b: JobNode): boolean {
  return (
    a.id === b.id &&
    a.status === b.status &&
    a.score === b.score &&
    a.diverged === b.diverged &&
    a.exploitReason === b.exploitReason &&
    a.member === b.member &&
    a.generation === b.generation &&
    a.attempt === b.attempt &&
    a.parentId === b.parentId &&
    a.origin === b.origin &&
    a.donorJobId === b.donorJobId &&
    sameValues(a.hyperparameters, b.hyperparameters)
  );
}

function sameRow(a: MemberRow, b: MemberRow): boolean {
  return (
    a.jobId === b.jobId &&
    a.generation === b.generation &&
    a.status === b.status &&
    a.score === b.score &&
    a.diverged === b.diverged &&
    a.scoreGeneration === b.scoreGeneration &&
    a.workerId === b.workerId &&
    a.heartbeatAt === b.heartbeatAt &&
    a.exploits === b.exploits &&
    a.crashes === b.crashes &&
    sameValues(a.hyperparameters, b.hyperparameters)
  );
}

/** Hyperparameter values are numbers, strings or booleans (choice values may be anything JSON). */
function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k] || JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
