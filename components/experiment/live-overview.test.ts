// The page's live model: snapshots from the server, events from the socket on top, in any order
// the network delivers them.
import { describe, expect, it } from "vitest";
import type { EventData, EventType, LineageEvent } from "@/server/domain/event";
import { storedConfigSchema } from "@/server/domain/experiment";
import type { ExperimentOverview, JobNode, MemberRow } from "@/server/domain/overview";
import { LiveOverview } from "./live-overview";

const AT = "2026-01-01T00:00:00.000Z";
const config = storedConfigSchema.parse({
  name: "live",
  metric: "score",
  populationSize: 2,
  stop: { maxGenerations: 3 },
  hyperparameters: { lr: { init: { kind: "uniform", low: 0, high: 1 } } },
  seed: 1,
});

function job(id: number, member: number, status: JobNode["status"] = "running"): JobNode {
  return {
    id,
    member,
    generation: 0,
    attempt: 0,
    status,
    score: null,
    diverged: false,
    parentId: null,
    origin: "initial",
    donorJobId: null,
    exploitReason: null,
    hyperparameters: { lr: 0.1 * (member + 1) },
  };
}

function row(j: JobNode): MemberRow {
  const { id: jobId, member, generation, status, hyperparameters } = j;
  return {
    member,
    jobId,
    generation,
    status,
    hyperparameters,
    score: null,
    diverged: false,
    scoreGeneration: null,
    workerId: `w${member}`,
    heartbeatAt: null,
    exploits: 0,
    crashes: 0,
  };
}

/** Two members, each with its first job running, as the server answers after `lastEventSeq` events. */
function snapshot(lastEventSeq: number, jobs = [job(1, 0), job(2, 1)]): ExperimentOverview {
  return {
    experiment: { id: 1, name: "live", status: "running", config, lastEventSeq, createdAt: AT, updatedAt: AT, archivedAt: null },
    progress: { done: 0, reached: 0, total: 6, running: jobs.length, queued: 0, crashed: 0 },
    best: null,
    members: jobs.map(row),
    jobs,
    window: { totalJobs: jobs.length, latestPerMember: null },
  };
}

function event<T extends EventType>(seq: number, type: T, jobId: number | null, member: number | null, data: EventData<T>): LineageEvent {
  return { experimentId: 1, seq, type, jobId, member, createdAt: AT, data } as LineageEvent;
}

const finished = (seq: number, jobId: number, member: number, score: number) =>
  event(seq, "job.finished", jobId, member, { generation: 0, attempt: 0, score, diverged: false });

describe("LiveOverview", () => {
  it("shows nothing until the first snapshot, then the snapshot itself", () => {
    const live = new LiveOverview();
    expect(live.apply([finished(5, 1, 0, 0.5)])).toBeNull();
    expect(live.current).toBeNull();
    const first = snapshot(4);
    expect(live.rebase(first)).toBe(first);
    expect(live.current).toBe(first);
  });

  it("applies newer events on top, and ignores those the snapshot holds and those it does not show", () => {
    const live = new LiveOverview();
    live.rebase(snapshot(4));
    expect(live.apply([finished(4, 1, 0, 0.5)])).toBeNull();
    expect(live.apply([event(5, "explore", 1, 0, { generation: 0, mutations: [] })])).toBeNull();
    const shown = live.apply([finished(6, 1, 0, 0.5)])!;
    expect(shown.jobs[0]).toMatchObject({ id: 1, status: "done", score: 0.5 });
    expect(shown.members[0]).toMatchObject({ jobId: 1, status: "done", score: 0.5, scoreGeneration: 0 });
    expect(shown.progress).toMatchObject({ done: 1, running: 1, reached: 1 });
    expect(shown.experiment.lastEventSeq).toBe(6);
    expect(shown.best).toMatchObject({ jobId: 1, score: 0.5, jobIds: [1] });
    // The other member's job did not change: the same object, so its views need not redraw.
    expect(shown.jobs[1]).toBe(live.current!.jobs[1]);
  });

  it("keeps what an event showed when a snapshot answered before it arrives after it", () => {
    const live = new LiveOverview();
    live.rebase(snapshot(4));
    live.apply([finished(5, 1, 0, 0.5)]);
    // A refetch that left the server before event 5 was written: job 1 still running there.
    const stale = live.rebase(snapshot(4, [job(1, 0), job(2, 1)]));
    expect(stale.jobs[0]).toMatchObject({ status: "done", score: 0.5 });
    // One that includes it: nothing to re-apply, and nothing shown changes.
    const withIt = snapshot(5, [{ ...job(1, 0), status: "done", score: 0.5 }, job(2, 1)]);
    withIt.members[0] = { ...withIt.members[0]!, status: "done", score: 0.5, scoreGeneration: 0 };
    const fresh = live.rebase(withIt);
    expect(fresh.jobs[0]).toMatchObject({ status: "done", score: 0.5 });
    expect(fresh.experiment.lastEventSeq).toBe(5);
  });

  it("never goes back to a snapshot older than the one it has", () => {
    const live = new LiveOverview();
    const newer = live.rebase(snapshot(8));
    expect(live.rebase(snapshot(3, [job(1, 0, "queued")]))).toBe(newer);
  });

  it("keeps the objects of jobs and rows that a new snapshot did not change", () => {
    const live = new LiveOverview();
    const before = live.rebase(snapshot(4));
    const after = live.rebase(snapshot(6, [job(1, 0), job(2, 1, "crashed")]));
    expect(after.jobs[0]).toBe(before.jobs[0]);
    expect(after.members[0]).toBe(before.members[0]);
    expect(after.jobs[1]).not.toBe(before.jobs[1]);
    expect(after.jobs[1]!.status).toBe("crashed");
  });

  it("takes heartbeats of a member's current job only", () => {
    const live = new LiveOverview();
    expect(live.heartbeats([{ experimentId: 1, jobId: 1, member: 0, at: AT }])).toBeNull();
    live.rebase(snapshot(4));
    expect(live.heartbeats([{ experimentId: 1, jobId: 99, member: 0, at: AT }])).toBeNull();
    const beat = "2026-01-01T00:00:05.000Z";
    const shown = live.heartbeats([{ experimentId: 1, jobId: 2, member: 1, at: beat }])!;
    expect(shown.members[1]!.heartbeatAt).toBe(beat);
    expect(shown.members[0]!.heartbeatAt).toBeNull();
    expect(live.heartbeats([{ experimentId: 1, jobId: 2, member: 1, at: beat }])).toBeNull();
  });
});
