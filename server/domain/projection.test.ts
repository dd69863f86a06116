// The fold the browser keeps its live overview with (projection.ts) means what the database says:
// for runs of random calls, folding the experiment's whole event log into an empty overview gives
// the overview the server reads from the database.
import { afterAll, beforeAll, expect, it } from "vitest";
import fc from "fast-check";
import { describeEachDatabase } from "../testing/databases";
import { experimentOverview, listEvents } from "../reads";
import { createTestScheduler, type TestScheduler } from "../testing/testScheduler";
import type { ExperimentOverview } from "./overview";
import { applyEvents, indexOverview } from "./projection";

/** The overview of an experiment nothing has happened to yet. */
function emptyOverview(from: ExperimentOverview): ExperimentOverview {
  const { total } = from.progress;
  return {
    experiment: { ...from.experiment, status: "running", lastEventSeq: 1 },
    progress: { done: 0, reached: 0, total, running: 0, queued: 0, crashed: 0 },
    best: null,
    members: [],
    jobs: [],
    window: { totalJobs: 0, latestPerMember: null },
  };
}

/** What both must agree on (heartbeat times are live-only news, not events; the window is the read's own). */
function comparable(o: ExperimentOverview) {
  return {
    status: o.experiment.status,
    lastEventSeq: o.experiment.lastEventSeq,
    progress: o.progress,
    best: o.best,
    jobs: o.jobs,
    members: o.members.map(({ heartbeatAt: _, ...row }) => row),
  };
}

type Step =
  | { kind: "next" }
  | { kind: "complete"; pick: number; score: number | "NaN" }
  | { kind: "fail"; pick: number }
  | { kind: "push"; lr: number }
  | { kind: "pause" }
  | { kind: "resume" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: "next" as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      pick: fc.nat(),
      score: fc.oneof({ weight: 9, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, fc.constant("NaN" as const)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fail" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("push" as const), lr: fc.double({ min: 0.1, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "pause" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "resume" as const }) },
);

describeEachDatabase("the live projection", (kind) => {
  let s: TestScheduler;
  beforeAll(async () => {
    s = await createTestScheduler(kind);
  });
  afterAll(async () => {
    await s?.close();
  });

  it("folds an experiment's event log into the overview the database gives", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          populationSize: fc.integer({ min: 1, max: 4 }),
          maxGenerations: fc.integer({ min: 1, max: 4 }),
          mode: fc.constantFrom("async" as const, "sync" as const),
          maxRetries: fc.integer({ min: 0, max: 1 }),
          stop: fc.boolean(),
        }),
        fc.array(step, { minLength: 5, maxLength: 60 }),
        async (config, steps) => {
          const name = `projection ${run++}`;
          await s.create({
            name,
            populationSize: config.populationSize,
            mode: config.mode,
            maxRetries: config.maxRetries,
            stop: { maxGenerations: config.maxGenerations },
          });
          const leased: { id: number; leaseToken: string }[] = [];
          for (const st of steps) {
            // Refusals (a full population, a paused experiment…) are part of a run: they change nothing.
            await apply(st).catch(() => undefined);
            s.advance(1);
          }
          if (config.stop) await s.scheduler.setExperimentStatus(name, "done").catch(() => undefined);

          const fromDatabase = await experimentOverview(s.database.prisma, name);
          const log = await listEvents(s.scheduler.deps, name, 0, 10_000);
          const start = emptyOverview(fromDatabase);
          // Folded in two halves, as a page receives them: the result must not depend on the batching.
          const index = indexOverview(start);
          const half = Math.floor(log.length / 2);
          const folded = applyEvents(applyEvents(start, log.slice(0, half), index), log.slice(half), index);
          expect(comparable(folded)).toEqual(comparable(fromDatabase));

          async function apply(st: Step) {
            switch (st.kind) {
              case "next": {
                const answer = await s.scheduler.nextJob(name, `w${leased.length % 3}`);
                if (answer.status === "job") leased.push({ id: answer.job.id, leaseToken: answer.leaseToken });
                return;
              }
              case "complete":
              case "fail": {
                if (leased.length === 0) return;
                const [job] = leased.splice(st.pick % leased.length, 1);
                if (st.kind === "fail") await s.scheduler.failJob(job!.id, job!.leaseToken, "boom");
                else await s.scheduler.completeJob(job!.id, job!.leaseToken, { score: st.score });
                return;
              }
              case "push":
                await s.scheduler.pushJob(name, { hyperparameters: { lr: st.lr } });
                return;
              case "pause":
                await s.scheduler.setExperimentStatus(name, "paused");
                return;
              case "resume":
                await s.scheduler.setExperimentStatus(name, "running");
                return;
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 180_000);
});
