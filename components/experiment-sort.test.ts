import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExperimentSummary } from "@/server/domain/experiment";
import { compareRows, SORT_KEYS } from "./experiment-sort";

const row = (id: number, extra: Partial<ExperimentSummary> = {}): ExperimentSummary => ({
  id,
  name: `e${id}`,
  status: "running",
  objective: "maximize",
  metric: "score",
  populationSize: 4,
  maxGenerations: 10,
  members: 4,
  jobsDone: 0,
  generationsReached: 0,
  runningJobs: 0,
  bestScore: null,
  archivedAt: null,
  createdAt: new Date(0).toISOString(),
  ...extra,
});

const summary = fc
  .record({
    id: fc.integer({ min: 1, max: 1e6 }),
    name: fc.string({ maxLength: 6 }),
    status: fc.constantFrom("running" as const, "paused" as const, "done" as const),
    bestScore: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
    populationSize: fc.integer({ min: 1, max: 100 }),
    generationsReached: fc.integer({ min: 0, max: 1000 }),
    runningJobs: fc.integer({ min: 0, max: 100 }),
  })
  .map((r) => row(r.id, r));

describe("the experiment list's order", () => {
  it("sorts by score with experiments without one last, in both orders", () => {
    const rows = [row(1, { bestScore: 0.5 }), row(2), row(3, { bestScore: 0.9 }), row(4, { bestScore: 0.1 })];
    expect(
      rows
        .slice()
        .sort((a, b) => compareRows(a, b, "best", "asc"))
        .map((r) => r.id),
    ).toEqual([4, 1, 3, 2]);
    expect(
      rows
        .slice()
        .sort((a, b) => compareRows(a, b, "best", "desc"))
        .map((r) => r.id),
    ).toEqual([3, 1, 4, 2]);
  });

  it("sorts names without regard to case, and statuses as a run goes", () => {
    const rows = [row(1, { name: "beta" }), row(2, { name: "Alpha", status: "done" }), row(3, { name: "gamma", status: "paused" })];
    expect(
      rows
        .slice()
        .sort((a, b) => compareRows(a, b, "name", "asc"))
        .map((r) => r.name),
    ).toEqual(["Alpha", "beta", "gamma"]);
    expect(
      rows
        .slice()
        .sort((a, b) => compareRows(a, b, "status", "asc"))
        .map((r) => r.status),
    ).toEqual(["running", "paused", "done"]);
  });

  it("is a total order for every column: antisymmetric, and descending reverses ascending where values differ", () => {
    fc.assert(
      fc.property(fc.uniqueArray(summary, { selector: (r) => r.id, minLength: 2, maxLength: 30 }), fc.constantFrom(...SORT_KEYS), (rows, key) => {
        for (const a of rows) {
          for (const b of rows) {
            if (a === b) continue;
            expect(Math.sign(compareRows(a, b, key, "asc"))).toBe(-Math.sign(compareRows(b, a, key, "asc")));
            expect(compareRows(a, b, key, "asc")).not.toBe(0);
          }
        }
        const asc = rows.slice().sort((a, b) => compareRows(a, b, key, "asc"));
        const desc = rows.slice().sort((a, b) => compareRows(a, b, key, "desc"));
        // Rows with a value come first in both orders, in opposite orders of that value.
        if (key === "best") {
          const valued = (list: ExperimentSummary[]) => list.filter((r) => r.bestScore !== null).map((r) => r.bestScore);
          expect(valued(desc)).toEqual(valued(asc).reverse());
        }
      }),
    );
  });
});
