import { describe, expect, it } from "vitest";
import type { JobLink } from "@/server/domain/overview";
import { COLUMN, layoutAncestry } from "./ancestry-layout";

const job = (id: number, member: number, generation: number, origin: JobLink["origin"] = "continue"): JobLink => ({
  id,
  member,
  generation,
  attempt: 0,
  status: "done",
  origin: generation === 0 ? "initial" : origin,
  score: 0.5,
  donorJobId: null,
});

describe("the job page's lineage tree", () => {
  // Member 2 ran generations 0 and 1; member 0 copied it at generation 2; this job (member 0,
  // generation 3) is continued by member 0 and copied by member 3.
  const ancestry = [job(1, 2, 0), job(5, 2, 1), job(9, 0, 2, "exploit"), job(13, 0, 3)];
  const children = [job(17, 0, 4), job(18, 3, 4, "exploit")];
  const layout = layoutAncestry(ancestry, 13, children);

  it("puts each job in its generation's column and its member's row", () => {
    expect(layout.rows).toEqual([0, 2, 3]);
    expect(layout.generations).toEqual([0, 1, 2, 3, 4]);
    const node = (id: number) => layout.nodes.find((n) => n.job.id === id)!;
    expect(node(9).x - node(5).x).toBe(COLUMN);
    expect(node(9).y).toBe(node(13).y);
    expect(node(1).y).toBe(node(5).y);
    expect(layout.nodes.map((n) => [n.job.id, n.role])).toEqual([
      [1, "ancestor"],
      [5, "ancestor"],
      [9, "ancestor"],
      [13, "self"],
      [17, "child"],
      [18, "child"],
    ]);
  });

  it("joins every job to its parent in the column before, exploit edges on a curve", () => {
    expect(layout.edges.map((e) => [e.from, e.to, e.exploit])).toEqual([
      [1, 5, false],
      [5, 9, true],
      [9, 13, false],
      [13, 17, false],
      [13, 18, true],
    ]);
    for (const e of layout.edges) {
      const from = layout.nodes.find((n) => n.job.id === e.from)!;
      const to = layout.nodes.find((n) => n.job.id === e.to)!;
      expect(to.x - from.x).toBe(COLUMN);
      expect(e.path.startsWith(`M${from.x} ${from.y}`)).toBe(true);
      expect(e.path.endsWith(`${to.x} ${to.y}`)).toBe(true);
      expect(e.path.includes("C")).toBe(from.y !== to.y);
    }
  });
});
