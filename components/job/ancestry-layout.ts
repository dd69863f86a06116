// Where the job page's small lineage tree puts its jobs: one column per generation, one row per
// member the lineage passed through, the jobs continuing this one in the next column. An edge
// joins adjacent columns only, so it never crosses a node; an exploit edge (the member took a
// donor's checkpoint) changes rows on a curve.
import type { JobLink } from "@/server/domain/overview";

export const COLUMN = 56;
export const ROW = 40;
export const PAD = { left: 84, top: 28, right: 28, bottom: 16 };

export interface TreeNode {
  job: JobLink;
  x: number;
  y: number;
  role: "ancestor" | "self" | "child";
}

export interface TreeEdge {
  from: number;
  to: number;
  /** The child copied another member's checkpoint. */
  exploit: boolean;
  path: string;
}

export interface AncestryLayout {
  nodes: TreeNode[];
  edges: TreeEdge[];
  /** Members by row, top first. */
  rows: number[];
  /** Generations by column, left first. */
  generations: number[];
  width: number;
  height: number;
}

export function layoutAncestry(ancestry: JobLink[], selfId: number, children: JobLink[]): AncestryLayout {
  const jobs = [...ancestry, ...children.filter((c) => !ancestry.some((a) => a.id === c.id))];
  const rows = [...new Set(jobs.map((j) => j.member))].sort((a, b) => a - b);
  const first = Math.min(...jobs.map((j) => j.generation));
  const last = Math.max(...jobs.map((j) => j.generation));
  const generations = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const at = (j: JobLink) => ({ x: PAD.left + (j.generation - first) * COLUMN, y: PAD.top + rows.indexOf(j.member) * ROW });
  const selfIndex = ancestry.findIndex((a) => a.id === selfId);
  const nodes: TreeNode[] = jobs.map((job, i) => ({
    job,
    ...at(job),
    role: job.id === selfId ? "self" : i < ancestry.length && i < selfIndex ? "ancestor" : i >= ancestry.length ? "child" : "ancestor",
  }));
  const byId = new Map(nodes.map((n) => [n.job.id, n]));
  const edges: TreeEdge[] = [];
  const link = (parent: JobLink, child: JobLink) => {
    const a = byId.get(parent.id)!;
    const b = byId.get(child.id)!;
    const mid = (a.x + b.x) / 2;
    edges.push({
      from: parent.id,
      to: child.id,
      exploit: child.origin === "exploit",
      path: a.y === b.y ? `M${a.x} ${a.y} L${b.x} ${b.y}` : `M${a.x} ${a.y} C${mid} ${a.y} ${mid} ${b.y} ${b.x} ${b.y}`,
    });
  };
  for (let i = 1; i < ancestry.length; i++) link(ancestry[i - 1]!, ancestry[i]!);
  const self = ancestry.find((a) => a.id === selfId);
  if (self) for (const c of children) link(self, c);
  return {
    nodes,
    edges,
    rows,
    generations,
    width: PAD.left + (generations.length - 1) * COLUMN + PAD.right,
    height: PAD.top + (rows.length - 1) * ROW + PAD.bottom + 12,
  };
}
