// Where the lineage tree draws each job and edge: generation across, member down. Pure, so the
// geometry is unit-tested and the browser tests check the very scene the canvas drew.
//
// Generation is lineage depth, so every edge (a continue or an exploit) goes from generation g to
// g + 1, from the parent's node to the child's. Exploit edges are cubic curves that leave the
// donor's node horizontally and reach the child's horizontally: between two columns no node
// stands, so a curve never passes through another job.
//
// A member can hold two jobs at one generation: after copying a donor behind it, it trains
// generations it had already passed. Each run of a member's jobs that starts afresh (its first
// job, or an exploit) is a stint; stints whose generations overlap get separate lanes inside the
// member's row, so both jobs are drawn. A stint goes in the lowest lane whose stints all ended
// before it starts: the lanes of jobs already drawn never change as the run goes on.

export interface TreeJob {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  parentId: number | null;
  origin: string;
}

export interface TreeGeometry {
  left: number;
  top: number;
  /** First generation drawn (0 unless the overview holds only each member's latest jobs). */
  first: number;
  generations: number;
  members: number;
  cellW: number;
  rowH: number;
  r: number;
  width: number;
  height: number;
}

export interface TreeNode<J extends TreeJob = TreeJob> {
  job: J;
  x: number;
  y: number;
  lane: number;
  /** Radius: the tree's, smaller in a member's row split into several lanes. */
  r: number;
  /** A crashed attempt that a retry at the same place replaced: drawn under it. */
  superseded: boolean;
}

export interface TreeEdge {
  from: number;
  to: number;
  exploit: boolean;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface TreeScene<J extends TreeJob = TreeJob> {
  geometry: TreeGeometry;
  nodes: TreeNode<J>[];
  edges: TreeEdge[];
  byId: Map<number, TreeNode<J>>;
  /** Generation → its nodes, top to bottom (for hit testing and keyboard moves). */
  columns: Map<number, TreeNode<J>[]>;
}

export const TREE_LEFT = 56;
export const TREE_TOP = 24;
const PAD = 12;

export function treeGeometry(width: number, first: number, generations: number, members: number): TreeGeometry {
  const cellW = Math.max(6, Math.min(110, (width - TREE_LEFT - PAD) / Math.max(1, generations)));
  const rowH = Math.max(4, Math.min(40, 640 / Math.max(1, members)));
  const r = Math.max(1.5, Math.min(cellW * 0.28, rowH * 0.3, 8));
  return {
    left: TREE_LEFT,
    top: TREE_TOP,
    first,
    generations,
    members,
    cellW,
    rowH,
    r,
    width: Math.ceil(TREE_LEFT + PAD + cellW * generations),
    height: Math.ceil(TREE_TOP + PAD + rowH * members),
  };
}

export const columnX = (g: TreeGeometry, generation: number) => g.left + (generation - g.first + 0.5) * g.cellW;
export const rowY = (g: TreeGeometry, member: number) => g.top + (member + 0.5) * g.rowH;

/** The lane of every job: stints of a member that overlap in generations get separate lanes. */
export function assignLanes(jobs: readonly TreeJob[]): { lane: Map<number, number>; lanes: Map<number, number> } {
  interface Stint {
    lane: number;
    end: number;
  }
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const sorted = [...jobs].sort((a, b) => a.id - b.id);
  const stintOf = new Map<number, Stint>();
  // Per member: the last generation of each lane's stints (Infinity while the stint is open).
  const laneEnds = new Map<number, number[]>();
  const open = new Map<number, Stint>();
  const lane = new Map<number, number>();
  const lanes = new Map<number, number>();
  for (const job of sorted) {
    const parent = job.parentId === null ? undefined : byId.get(job.parentId);
    // Same stint: the parent is the member's own job and this job goes on from it (the next
    // generation, or a retry). Anything else starts a stint: a first job, an exploit, a parent
    // not at hand.
    let stint = parent !== undefined && parent.member === job.member && job.origin !== "exploit" ? stintOf.get(parent.id) : undefined;
    if (!stint) {
      const ends = laneEnds.get(job.member) ?? [];
      const previous = open.get(job.member);
      if (previous) ends[previous.lane] = previous.end; // the member moved on: its stint is over
      let l = ends.findIndex((end) => end < job.generation);
      if (l < 0) l = ends.length;
      stint = { lane: l, end: job.generation };
      ends[l] = Number.POSITIVE_INFINITY;
      laneEnds.set(job.member, ends);
      open.set(job.member, stint);
    }
    stint.end = Math.max(stint.end, job.generation);
    stintOf.set(job.id, stint);
    lane.set(job.id, stint.lane);
    lanes.set(job.member, Math.max(lanes.get(job.member) ?? 1, stint.lane + 1));
  }
  return { lane, lanes };
}

/** The scene: every job placed, every edge whose two ends are at hand. */
export function layoutTree<J extends TreeJob>(jobs: readonly J[], geometry: TreeGeometry): TreeScene<J> {
  const { lane, lanes } = assignLanes(jobs);
  const nodes: TreeNode<J>[] = [];
  const byId = new Map<number, TreeNode<J>>();
  // The latest attempt at a place is the one shown; earlier crashed attempts sit under it.
  const latestAt = new Map<string, number>();
  for (const job of jobs) {
    const key = `${job.member}/${job.generation}/${lane.get(job.id)}`;
    latestAt.set(key, Math.max(latestAt.get(key) ?? 0, job.id));
  }
  for (const job of jobs) {
    const l = lane.get(job.id) ?? 0;
    const k = lanes.get(job.member) ?? 1;
    const spacing = geometry.rowH / k;
    const node: TreeNode<J> = {
      job,
      x: columnX(geometry, job.generation),
      y: rowY(geometry, job.member) + (l - (k - 1) / 2) * spacing,
      lane: l,
      r: Math.max(1, Math.min(geometry.r, spacing * 0.4)),
      superseded: latestAt.get(`${job.member}/${job.generation}/${l}`) !== job.id,
    };
    nodes.push(node);
    byId.set(job.id, node);
  }
  // Superseded attempts first, so the shown job is drawn over them.
  nodes.sort((a, b) => Number(b.superseded) - Number(a.superseded) || a.job.id - b.job.id);
  const edges: TreeEdge[] = [];
  for (const node of nodes) {
    const parent = node.job.parentId === null ? undefined : byId.get(node.job.parentId);
    if (!parent) continue;
    edges.push({
      from: parent.job.id,
      to: node.job.id,
      exploit: parent.job.member !== node.job.member || node.job.origin === "exploit",
      x1: parent.x,
      y1: parent.y,
      x2: node.x,
      y2: node.y,
    });
  }
  const columns = new Map<number, TreeNode<J>[]>();
  for (const node of nodes) {
    const list = columns.get(node.job.generation);
    if (list) list.push(node);
    else columns.set(node.job.generation, [node]);
  }
  for (const list of columns.values()) list.sort((a, b) => a.y - b.y || Number(a.superseded) - Number(b.superseded));
  return { geometry, nodes, edges, byId, columns };
}

/** The control points of an edge's cubic curve (a straight line when both ends share a row). */
export function edgeCurve(e: Pick<TreeEdge, "x1" | "y1" | "x2" | "y2">): [number, number, number, number, number, number, number, number] {
  const mid = (e.x2 - e.x1) / 2;
  return [e.x1, e.y1, e.x1 + mid, e.y1, e.x2 - mid, e.y2, e.x2, e.y2];
}

/** A point `t` of the way along an edge's curve. */
export function pointOnEdge(e: Pick<TreeEdge, "x1" | "y1" | "x2" | "y2">, t: number): [number, number] {
  const [x0, y0, x1, y1, x2, y2, x3, y3] = edgeCurve(e);
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return [a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3];
}

/** The node under (or nearest, within `slack` px) a point, or null. */
export function nodeAt<J extends TreeJob>(scene: TreeScene<J>, x: number, y: number, slack = 6): TreeNode<J> | null {
  const g = scene.geometry;
  const generation = Math.floor((x - g.left) / g.cellW) + g.first;
  let best: TreeNode<J> | null = null;
  let bestDistance = Math.max(g.r + slack, 0);
  for (const gen of [generation, generation - 1, generation + 1]) {
    for (const node of scene.columns.get(gen) ?? []) {
      if (node.superseded) continue;
      const d = Math.hypot(node.x - x, node.y - y);
      if (d <= bestDistance) {
        bestDistance = d;
        best = node;
      }
    }
  }
  return best;
}

/** Keyboard moves: up/down within a generation, left/right to the nearest job one generation over. */
export function neighbour<J extends TreeJob>(scene: TreeScene<J>, from: TreeNode<J>, key: "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight"): TreeNode<J> {
  const shown = (g: number) => (scene.columns.get(g) ?? []).filter((n) => !n.superseded);
  if (key === "ArrowUp" || key === "ArrowDown") {
    const column = shown(from.job.generation);
    const i = column.indexOf(from);
    const next = column[i + (key === "ArrowUp" ? -1 : 1)];
    return next ?? from;
  }
  const column = shown(from.job.generation + (key === "ArrowLeft" ? -1 : 1));
  let best = from;
  let bestDistance = Infinity;
  for (const node of column) {
    const d = Math.abs(node.y - from.y);
    if (d < bestDistance) {
      bestDistance = d;
      best = node;
    }
  }
  return best;
}
