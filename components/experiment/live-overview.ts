// The experiment's overview as the page shows it: the last fetched snapshot, with every live job
// event received since applied on top. Two rules keep it cheap at hundreds of events a second:
//   - a batch of events costs O(batch) plus one copy of the jobs array, never a rebuild;
//   - a job (or member row) that did not change keeps its object, so views memoised per job
//     redraw only what changed, also when a refetched snapshot replaces the whole overview.
// And one rule keeps it correct: a snapshot answered before an event must not undo what the
// event showed, so events newer than the snapshot are kept and applied again over it.
import { applyEvents, type OverviewIndex } from "@/server/domain/projection";
import type { LiveEvent, LiveHeartbeat } from "../live/socket";
import type { JobNode, MemberRow, Overview } from "./types";

/**
 * Events kept to re-apply over the next snapshot (those newer than the current one). Bounded so a
 * page whose refetches keep failing does not grow forever; at that size a snapshot would have to
 * be minutes old for the bound to matter.
 */
const MAX_PENDING = 100_000;

/** Events that change what the overview shows (projection.ts folds these). */
const RELEVANT = new Set(["experiment.status", "exploit", "job.created", "job.started", "job.finished", "job.crashed", "jobs.pruned"]);

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

  /** What the events mean for the overview: the same fold the server's tests check (server/domain/projection.ts). */
  private applyToShown(events: LiveEvent[]) {
    const index: OverviewIndex = { jobs: this.jobIndex, members: this.memberIndex };
    this.shown = applyEvents(this.shown!, events, index);
    this.jobIndex = index.jobs;
    this.memberIndex = index.members;
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
