import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignLanes, layoutTree, neighbour, nodeAt, pointOnEdge, treeGeometry, type TreeJob } from "./tree-layout";

/**
 * PBT-shaped histories: members start at generation 0; each step a member either continues from
 * its latest job or copies a job of another member (any generation: ahead of it or behind), so
 * generation is always the parent's + 1 and a member can come back to generations it passed.
 */
const history = fc
  .record({
    members: fc.integer({ min: 1, max: 6 }),
    steps: fc.array(fc.record({ member: fc.nat(), copy: fc.boolean(), donor: fc.nat() }), { maxLength: 80 }),
  })
  .map(({ members, steps }) => {
    const jobs: TreeJob[] = [];
    const latest = new Map<number, TreeJob>();
    const add = (member: number, parent: TreeJob | undefined, origin: string) => {
      const job = {
        id: jobs.length + 1,
        member,
        generation: parent ? parent.generation + 1 : 0,
        attempt: 0,
        status: "done",
        parentId: parent?.id ?? null,
        origin,
      };
      jobs.push(job);
      latest.set(member, job);
    };
    for (let m = 0; m < members; m++) add(m, undefined, "initial");
    for (const s of steps) {
      const member = s.member % members;
      const others = jobs.filter((j) => j.member !== member);
      if (s.copy && others.length > 0) add(member, others[s.donor % others.length]!, "exploit");
      else add(member, latest.get(member)!, "continue");
    }
    return { jobs, members };
  });

const geometryFor = (jobs: TreeJob[], members: number) => treeGeometry(1200, 0, Math.max(...jobs.map((j) => j.generation)) + 1, members);

describe("layoutTree", () => {
  it("draws every edge from the parent's node at generation g to the child's at g + 1", () => {
    fc.assert(
      fc.property(history, ({ jobs, members }) => {
        const scene = layoutTree(jobs, geometryFor(jobs, members));
        expect(scene.edges).toHaveLength(jobs.filter((j) => j.parentId !== null).length);
        for (const e of scene.edges) {
          const from = scene.byId.get(e.from)!;
          const to = scene.byId.get(e.to)!;
          expect(to.job.generation).toBe(from.job.generation + 1);
          expect([e.x1, e.y1]).toEqual([from.x, from.y]);
          expect([e.x2, e.y2]).toEqual([to.x, to.y]);
          expect(e.exploit).toBe(to.job.origin === "exploit");
        }
      }),
    );
  });

  it("gives two jobs of one member at one generation two places", () => {
    fc.assert(
      fc.property(history, ({ jobs, members }) => {
        const scene = layoutTree(jobs, geometryFor(jobs, members));
        const places = new Set(scene.nodes.map((n) => `${n.x}/${n.y}`));
        expect(places.size).toBe(jobs.length);
      }),
    );
  });

  it("never draws an edge through another job's node", () => {
    fc.assert(
      fc.property(history, ({ jobs, members }) => {
        const scene = layoutTree(jobs, geometryFor(jobs, members));
        for (const e of scene.edges) {
          for (let t = 0.02; t < 0.99; t += 0.02) {
            const [x, y] = pointOnEdge(e, t);
            for (const n of scene.nodes) {
              if (n.job.id === e.from || n.job.id === e.to) continue;
              // Clear of the node as drawn: in a row split into lanes (a member that copied a
              // donor behind it again and again) nodes are smaller than the tree's radius.
              expect(Math.hypot(n.x - x, n.y - y)).toBeGreaterThan(n.r);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keeps the lanes of jobs already drawn as the run goes on", () => {
    fc.assert(
      fc.property(history, fc.nat(), ({ jobs }, cut) => {
        const k = cut % (jobs.length + 1);
        const before = assignLanes(jobs.slice(0, k)).lane;
        const after = assignLanes(jobs).lane;
        for (const [id, lane] of before) expect(after.get(id)).toBe(lane);
      }),
    );
  });

  it("finds the node under the pointer and moves between nodes by keyboard", () => {
    const jobs: TreeJob[] = [
      { id: 1, member: 0, generation: 0, attempt: 0, status: "done", parentId: null, origin: "initial" },
      { id: 2, member: 1, generation: 0, attempt: 0, status: "done", parentId: null, origin: "initial" },
      { id: 3, member: 0, generation: 1, attempt: 0, status: "done", parentId: 1, origin: "continue" },
      { id: 4, member: 1, generation: 1, attempt: 0, status: "done", parentId: 1, origin: "exploit" },
    ];
    const scene = layoutTree(jobs, treeGeometry(600, 0, 2, 2));
    const n = (id: number) => scene.byId.get(id)!;
    expect(nodeAt(scene, n(4).x + 1, n(4).y - 1)?.job.id).toBe(4);
    expect(nodeAt(scene, n(4).x + 100, n(4).y)).toBeNull();
    expect(neighbour(scene, n(1), "ArrowDown").job.id).toBe(2);
    expect(neighbour(scene, n(1), "ArrowUp").job.id).toBe(1);
    expect(neighbour(scene, n(2), "ArrowRight").job.id).toBe(4);
    expect(neighbour(scene, n(3), "ArrowLeft").job.id).toBe(1);
  });
});
