import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { indexLineage, parseTraceParam, traceLineage, type LineageJob } from "./trace";

/** A random forest: each job's parent is an earlier job (or none), generation = parent's + 1. */
const forest = fc.array(fc.option(fc.nat(), { nil: null }), { minLength: 1, maxLength: 60 }).map((parents) => {
  const jobs: LineageJob[] = [];
  parents.forEach((p, i) => {
    const parentId = p === null || i === 0 ? null : (p % i) + 1;
    const generation = parentId === null ? 0 : jobs[parentId - 1]!.generation + 1;
    jobs.push({ id: i + 1, parentId, generation });
  });
  return jobs;
});

/** The definition, walked the slow way: a is an ancestor of b when b's parent chain reaches a. */
function isAncestor(jobs: LineageJob[], a: number, b: number): boolean {
  for (let p = jobs[b - 1]!.parentId; p !== null; p = jobs[p - 1]!.parentId) if (p === a) return true;
  return false;
}

describe("traceLineage", () => {
  it("holds exactly the job, its ancestors and its descendants", () => {
    fc.assert(
      fc.property(forest, fc.nat(), (jobs, pick) => {
        const target = (pick % jobs.length) + 1;
        const trace = traceLineage(indexLineage(jobs), target)!;
        for (const job of jobs) {
          const expected = job.id === target || isAncestor(jobs, job.id, target) || isAncestor(jobs, target, job.id);
          expect(trace.jobs.has(job.id)).toBe(expected);
        }
        expect(trace.jobs.size).toBe(1 + trace.ancestors.length + trace.descendants.length);
      }),
    );
  });

  it("lists the ancestors from the root down, one generation apart", () => {
    fc.assert(
      fc.property(forest, fc.nat(), (jobs, pick) => {
        const target = (pick % jobs.length) + 1;
        fc.pre(jobs[target - 1]!.parentId !== null);
        const { ancestors } = traceLineage(indexLineage(jobs), target)!;
        const generations = [...ancestors, target].map((id) => jobs[id - 1]!.generation);
        expect(generations).toEqual(generations.map((_, i) => i));
      }),
    );
  });

  it("stops at a parent the page does not hold, and knows no unknown job", () => {
    const jobs = [
      { id: 5, parentId: 3, generation: 4 },
      { id: 6, parentId: 5, generation: 5 },
    ];
    const index = indexLineage(jobs);
    expect(traceLineage(index, 6)).toMatchObject({ ancestors: [5], descendants: [] });
    expect(traceLineage(index, 5)).toMatchObject({ ancestors: [], descendants: [6] });
    expect(traceLineage(index, 3)).toBeNull();
  });
});

describe("parseTraceParam", () => {
  it("accepts positive job ids only", () => {
    expect(parseTraceParam("42")).toBe(42);
    for (const bad of [null, "", "0", "-1", "1.5", "abc", "1e3", "9".repeat(20)]) expect(parseTraceParam(bad)).toBeNull();
  });
});
