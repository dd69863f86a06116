"use client";
// The lineage tree: generation across, member down, every job a node coloured by its score;
// edges run from parent to child, those that copy across members (exploits) in a strong colour,
// and the best lineage drawn over everything. Hover (or arrow keys) shows a job; click or Enter
// opens it.
//
// The tree redraws on every live update (up to once per frame), with thousands of nodes: each
// member's nodes and its own edges are memoised pieces (exploit edges one each), so an update
// re-renders (and touches in the DOM) only the members that changed, not the whole SVG. A job's
// place (member, generation) never changes once it exists.
import { useRouter } from "next/navigation";
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { scoreColor, scoreScale, VIRIDIS_GRADIENT } from "../charts/colors";
import { formatScore, formatValue } from "../format";
import { jobHref } from "../routes";
import { cellJobs } from "./population-data";
import type { JobNode, Overview } from "./types";
import { SectionHeader } from "./section-header";

const LEFT = 64;
const TOP = 22;
const PAD = 10;

interface Layout {
  /** The first generation drawn (0 unless the overview holds only each member's latest jobs). */
  first: number;
  generations: number;
  members: number;
  cellW: number;
  cellH: number;
  width: number;
  height: number;
  r: number;
}

function layoutFor(containerWidth: number, first: number, generations: number, members: number): Layout {
  const cellW = Math.max(7, Math.min(48, (containerWidth - LEFT - PAD) / generations));
  const cellH = Math.max(7, Math.min(30, 520 / members));
  const r = Math.max(2.2, Math.min(cellW, cellH) * 0.3);
  return { first, generations, members, cellW, cellH, width: LEFT + PAD + cellW * generations, height: TOP + PAD + cellH * members, r };
}

const cx = (l: Layout, generation: number) => LEFT + (generation - l.first + 0.5) * l.cellW;
const cy = (l: Layout, member: number) => TOP + (member + 0.5) * l.cellH;

export function LineageTree({ overview }: { overview: Overview }) {
  const router = useRouter();
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(960);
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(entry.contentRect.width));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const config = overview.experiment.config;
  const cells = useMemo(() => cellJobs(overview.jobs), [overview.jobs]);
  const jobById = useMemo(() => new Map(overview.jobs.map((j) => [j.id, j])), [overview.jobs]);
  let maxGeneration = 0;
  let minGeneration = Infinity;
  let maxMember = 0;
  for (const j of cells) {
    if (j.generation > maxGeneration) maxGeneration = j.generation;
    if (j.generation < minGeneration) minGeneration = j.generation;
    if (j.member > maxMember) maxMember = j.member;
  }
  // A long history comes as each member's latest jobs: the tree starts at the oldest of them.
  const windowed = overview.window.latestPerMember !== null;
  const first = windowed && Number.isFinite(minGeneration) ? minGeneration : 0;
  const generations = Math.max(config.stop.maxGenerations, maxGeneration + 1) - first;
  const members = Math.max(config.populationSize, maxMember + 1);
  // One object per size, so the memoised layers are not redrawn on every hover.
  const layout = useMemo(() => layoutFor(width, first, generations, members), [width, first, generations, members]);

  const [hoveredId, setHoveredId] = useState<number | null>(null);
  const [cursor, setCursor] = useState<{ member: number; generation: number } | null>(null);
  const cursorJob = cursor ? (cells.find((j) => j.member === cursor.member && j.generation === cursor.generation) ?? null) : null;
  // By id, so the card shows the job as it is now, not as it was when the pointer arrived.
  const shown = (hoveredId !== null ? jobById.get(hoveredId) : undefined) ?? cursorJob;

  const jobFromEvent = (event: React.SyntheticEvent) => {
    const el = (event.target as Element).closest("[data-job]");
    const id = el ? Number(el.getAttribute("data-job")) : NaN;
    return jobById.get(id) ?? null;
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (event.key === "Enter" && cursorJob) {
      event.preventDefault();
      router.push(jobHref(cursorJob.id));
      return;
    }
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const clampGeneration = (g: number) => Math.min(layout.first + layout.generations - 1, Math.max(layout.first, g));
    const start = cursor ?? { member: overview.best?.member ?? 0, generation: clampGeneration(overview.best?.generation ?? 0) };
    if (!cursor) return setCursor(start);
    setCursor({
      member: Math.min(layout.members - 1, Math.max(0, start.member + move[0])),
      generation: clampGeneration(start.generation + move[1]),
    });
  };

  return (
    <div className="space-y-3">
      <SectionHeader id="tree-heading" title="Lineage tree">
        <TreeLegend objective={config.objective} />
      </SectionHeader>
      {windowed && (
        <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="tree-window">
          Each member&apos;s latest {overview.window.latestPerMember} jobs, from generation {first} ({overview.jobs.length.toLocaleString("en")} of{" "}
          {overview.window.totalJobs.toLocaleString("en")} jobs); every job is in the exports.
        </p>
      )}
      <div ref={container} className="relative">
        <div
          className="overflow-x-auto rounded-lg border border-zinc-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:border-zinc-800"
          tabIndex={0}
          role="group"
          aria-label="Lineage tree: arrow keys move between jobs, Enter opens the selected job"
          aria-describedby="tree-current"
          onKeyDown={onKeyDown}
          onBlur={() => setCursor(null)}
          data-testid="lineage-tree"
        >
          <svg
            width={layout.width}
            height={layout.height}
            className="block"
            onMouseMove={(e) => setHoveredId(jobFromEvent(e)?.id ?? null)}
            onMouseLeave={() => setHoveredId(null)}
            onClick={(e) => {
              const job = jobFromEvent(e);
              if (!job || e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              router.push(jobHref(job.id));
            }}
          >
            <TreeLayer objective={config.objective} cells={cells} jobById={jobById} layout={layout} />
            <BestLayer best={overview.best} jobById={jobById} layout={layout} />
            {shown && (
              <circle
                cx={cx(layout, shown.generation)}
                cy={cy(layout, shown.member)}
                r={layout.r + 3}
                fill="none"
                stroke="var(--chart-best)"
                strokeWidth={2}
                pointerEvents="none"
              />
            )}
            {cursor && !cursorJob && (
              <rect
                x={LEFT + (cursor.generation - layout.first) * layout.cellW}
                y={TOP + cursor.member * layout.cellH}
                width={layout.cellW}
                height={layout.cellH}
                fill="none"
                stroke="var(--chart-text)"
                strokeDasharray="2 2"
              />
            )}
          </svg>
        </div>
        <p id="tree-current" className="sr-only" aria-live="polite">
          {cursor ? (cursorJob ? describe(cursorJob) : `member ${cursor.member}, generation ${cursor.generation}: no job`) : ""}
        </p>
        {shown && <JobCard job={shown} jobById={jobById} layout={layout} />}
      </div>
    </div>
  );
}

function describe(job: JobNode) {
  return `Job ${job.id}: member ${job.member}, generation ${job.generation}, ${job.status}, ${job.diverged ? "diverged" : `score ${formatScore(job.score)}`}, ${job.origin}`;
}

/** Colours are drawn from this many levels: a new score then recolours only the nodes whose level it moves. */
const COLOUR_LEVELS = 64;

// Memoised so that hovering (state of the tree) does not walk the nodes again.
const TreeLayer = memo(function TreeLayer({
  objective,
  cells,
  jobById,
  layout,
}: {
  objective: "maximize" | "minimize";
  cells: JobNode[];
  jobById: Map<number, JobNode>;
  layout: Layout;
}) {
  const scores: number[] = [];
  for (const j of cells) if (j.score !== null) scores.push(j.score);
  const scale = scoreScale(scores, objective);
  // A member's own edges (one generation to the next) are one path per member: a quarter of the
  // tree's DOM nodes fewer, which is most of the page's first layout at 64 × 100. Exploit edges
  // (across members) stay one path each, in their own colour.
  const memberEdges = new Map<number, string>();
  const exploitEdges: React.ReactNode[] = [];
  for (const job of cells) {
    const parent = job.parentId === null ? undefined : jobById.get(job.parentId);
    if (!parent) continue;
    const [x1, y1, x2, y2] = [cx(layout, parent.generation), cy(layout, parent.member), cx(layout, job.generation), cy(layout, job.member)];
    if (parent.member === job.member) {
      memberEdges.set(job.member, (memberEdges.get(job.member) ?? "") + edgePath(x1, y1, x2, y2));
    } else {
      exploitEdges.push(<TreeEdge key={job.id} member={job.member} x1={x1} y1={y1} x2={x2} y2={y2} />);
    }
  }
  const edges = [...memberEdges].map(([member, d]) => <MemberEdges key={member} member={member} d={d} />);
  const nodesByMember = new Map<number, JobNode[]>();
  for (const job of cells) {
    const list = nodesByMember.get(job.member);
    if (list) list.push(job);
    else nodesByMember.set(job.member, [job]);
  }
  return (
    <g>
      <TreeAxes layout={layout} />
      <g>{edges}</g>
      <g>{exploitEdges}</g>
      <g>
        {[...nodesByMember].map(([member, jobs]) => (
          <MemberNodes
            key={member}
            jobs={jobs}
            levels={jobs.map((job) => (job.status === "done" && job.score !== null ? Math.round(scale(job.score) * (COLOUR_LEVELS - 1)) : -1))}
            layout={layout}
          />
        ))}
      </g>
    </g>
  );
});

const TreeAxes = memo(function TreeAxes({ layout }: { layout: Layout }) {
  const tickEvery = Math.max(1, Math.ceil(28 / layout.cellW));
  const memberEvery = Math.max(1, Math.ceil(12 / layout.cellH));
  return (
    <g fontSize={11} fill="var(--chart-text)">
      {Array.from({ length: layout.generations }, (_, i) => layout.first + i).map((g) =>
        g % tickEvery === 0 ? (
          <text key={g} x={cx(layout, g)} y={14} textAnchor="middle">
            {g}
          </text>
        ) : null,
      )}
      {Array.from({ length: layout.members }, (_, m) =>
        m % memberEvery === 0 ? (
          <text key={m} x={LEFT - 8} y={cy(layout, m) + 4} textAnchor="end">
            m{m}
          </text>
        ) : null,
      )}
    </g>
  );
});

/** Parent to child; across members (an exploit) a curve in the exploit colour. */
function edgePath(x1: number, y1: number, x2: number, y2: number) {
  if (y1 === y2) return `M${x1} ${y1} L${x2} ${y2}`;
  const mid = (x1 + x2) / 2;
  return `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`;
}

const MemberEdges = memo(function MemberEdges({ member, d }: { member: number; d: string }) {
  return <path className="tree-edge" data-member={member} d={d} fill="none" stroke="var(--chart-edge)" strokeWidth={1} />;
});

const TreeEdge = memo(function TreeEdge({ member, x1, y1, x2, y2 }: { member: number; x1: number; y1: number; x2: number; y2: number }) {
  const exploit = y1 !== y2;
  return (
    <path
      className="tree-edge"
      data-member={member}
      d={edgePath(x1, y1, x2, y2)}
      fill="none"
      stroke={exploit ? "var(--chart-exploit)" : "var(--chart-edge)"}
      strokeWidth={exploit ? 1.5 : 1}
      strokeOpacity={exploit ? 0.85 : undefined}
    />
  );
});

/**
 * A member's nodes, outside React's rendering: a React component per job cost 0.6 s of script for
 * the first draw of 6,400 jobs, while the browser's parser builds the same nodes from one string
 * per member far faster. New jobs are added as markup; a job whose status or colour level changed
 * has its attributes set in place (no node is rebuilt on a live update). The memo skips members
 * whose jobs (kept as the same objects while unchanged) and levels did not change. Pointer and
 * keyboard handling is delegated to the tree (`data-job`), so the nodes need no handlers.
 */
const MemberNodes = memo(
  function MemberNodes({ jobs, levels, layout }: { jobs: JobNode[]; levels: number[]; layout: Layout }) {
    const group = useRef<SVGGElement>(null);
    const drawn = useRef<{ layout: Layout | null; nodes: Map<number, { el: Element; job: JobNode; level: number }> }>({ layout: null, nodes: new Map() });
    useLayoutEffect(() => {
      const g = group.current;
      if (!g) return;
      const state = drawn.current;
      if (state.layout !== layout) {
        g.innerHTML = "";
        state.nodes.clear();
        state.layout = layout;
      }
      const present = new Set<number>();
      const added: { job: JobNode; level: number }[] = [];
      let markup = "";
      jobs.forEach((job, i) => {
        const level = levels[i]!;
        present.add(job.id);
        const node = state.nodes.get(job.id);
        if (!node) {
          added.push({ job, level });
          markup += nodeMarkup(job, cx(layout, job.generation), cy(layout, job.member), layout.r, level);
        } else if (node.job !== job || node.level !== level) {
          patchNode(node.el, job, level);
          node.job = job;
          node.level = level;
        }
      });
      // A cell's job can be replaced (a retry after a crash): its old node goes.
      for (const [id, node] of state.nodes) {
        if (!present.has(id)) {
          node.el.remove();
          state.nodes.delete(id);
        }
      }
      if (markup) {
        g.insertAdjacentHTML("beforeend", markup);
        // The new nodes are the group's last children, in the order written.
        const children = g.children;
        added.forEach(({ job, level }, k) => {
          const el = children[children.length - added.length + k];
          if (el) state.nodes.set(job.id, { el, job, level });
        });
      }
    }, [jobs, levels, layout]);
    return <g ref={group} />;
  },
  (a, b) => a.layout === b.layout && sameItems(a.jobs, b.jobs) && sameItems(a.levels, b.levels),
);

function sameItems<T>(a: T[], b: T[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

const escapeAttribute = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** `level`: the colour level of a finished job's score, -1 for a job without one. */
function nodeLook(job: JobNode, level: number) {
  const done = level >= 0;
  return {
    // A diverged run is done without a score: dark red, apart from the scale and from a crash.
    fill: done ? scoreColor(level / (COLOUR_LEVELS - 1)) : job.diverged ? "#7f1d1d" : job.status === "crashed" ? "#dc2626" : "var(--chart-surface)",
    stroke: done ? "none" : job.status === "running" ? "#10b981" : "var(--chart-edge)",
    dash: job.status === "queued" ? "2 1.5" : null,
  };
}

// No pulsing animation on running jobs: dozens of animated SVG nodes repaint the tree every
// frame, a steady cost for the whole page while a run is live.
function nodeMarkup(job: JobNode, x: number, y: number, r: number, level: number): string {
  const look = nodeLook(job, level);
  return (
    `<a href="${escapeAttribute(jobHref(job.id))}" data-job="${job.id}" data-status="${escapeAttribute(job.status)}" ` +
    `aria-label="${escapeAttribute(describe(job))}" tabindex="-1" class="tree-node" data-member="${job.member}">` +
    `<circle cx="${x}" cy="${y}" r="${r}" fill="${look.fill}" stroke="${look.stroke}" stroke-width="1.25"` +
    `${look.dash ? ` stroke-dasharray="${look.dash}"` : ""}></circle></a>`
  );
}

function patchNode(el: Element, job: JobNode, level: number) {
  const look = nodeLook(job, level);
  el.setAttribute("data-status", job.status);
  el.setAttribute("aria-label", describe(job));
  const circle = el.firstElementChild;
  if (!circle) return;
  circle.setAttribute("fill", look.fill);
  circle.setAttribute("stroke", look.stroke);
  if (look.dash) circle.setAttribute("stroke-dasharray", look.dash);
  else circle.removeAttribute("stroke-dasharray");
}

/**
 * The best lineage, over the tree: thick edges and a ring on its jobs. It changes only with a
 * refetched overview (events do not carry it), and its jobs never move, so it redraws only when
 * `best` or the layout changes, not with every live update of `jobById`.
 */
const BestLayer = memo(
  function BestLayer({ best, jobById, layout }: { best: Overview["best"]; jobById: Map<number, JobNode>; layout: Layout }) {
    const jobs = (best?.jobIds ?? []).flatMap((id) => jobById.get(id) ?? []);
    const ids = new Set(jobs.map((j) => j.id));
    return (
      <g pointerEvents="none">
        {jobs.map((job) => {
          const parent = job.parentId !== null && ids.has(job.parentId) ? jobById.get(job.parentId) : undefined;
          if (!parent) return null;
          const d = edgePath(cx(layout, parent.generation), cy(layout, parent.member), cx(layout, job.generation), cy(layout, job.member));
          return <path key={job.id} d={d} fill="none" stroke="var(--chart-best)" strokeWidth={3} strokeLinecap="round" />;
        })}
        {jobs.map((job) => (
          <circle key={job.id} cx={cx(layout, job.generation)} cy={cy(layout, job.member)} r={layout.r} fill="none" stroke="var(--chart-best)" strokeWidth={1.5} />
        ))}
      </g>
    );
  },
  (a, b) => a.best === b.best && a.layout === b.layout,
);

function JobCard({ job, jobById, layout }: { job: JobNode; jobById: Map<number, JobNode>; layout: Layout }) {
  const donor = job.donorJobId !== null ? jobById.get(job.donorJobId) : undefined;
  const left = Math.min(cx(layout, job.generation) + 14, Math.max(0, layout.width - 260));
  return (
    <div
      role="tooltip"
      className="pointer-events-none absolute z-10 w-64 rounded-md border border-zinc-200 bg-white p-3 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      style={{ left, top: cy(layout, job.member) + 12 }}
    >
      <p className="font-semibold">
        Job #{job.id} <span className="font-normal text-zinc-500">· {job.status}</span>
      </p>
      <p>
        member {job.member}, generation {job.generation}
        {job.attempt > 0 ? `, attempt ${job.attempt}` : ""}
      </p>
      <p>
        score <span className="font-medium tabular-nums">{job.diverged ? "diverged" : formatScore(job.score)}</span>
      </p>
      <p>
        {job.origin}
        {donor ? ` from member ${donor.member} (job #${donor.id})` : ""}
        {job.exploitReason && job.exploitReason !== "truncate" && job.exploitReason !== "tournament" ? ` (its own run ${job.exploitReason === "diverged" ? "diverged" : "used up its retries"})` : ""}
      </p>
      <ul className="mt-1 font-mono">
        {Object.entries(job.hyperparameters).map(([k, v]) => (
          <li key={k}>
            {k} = {formatValue(v)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function TreeLegend({ objective }: { objective: "maximize" | "minimize" }) {
  return (
    <div className="flex flex-wrap items-center gap-4 text-xs text-zinc-600 dark:text-zinc-400">
      <span className="inline-flex items-center gap-1">
        worse
        <span aria-hidden className="inline-block h-2 w-20 rounded" style={{ background: VIRIDIS_GRADIENT }} />
        better ({objective})
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="18" height="6">
          <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-exploit)" strokeWidth="2" />
        </svg>
        exploit
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="18" height="6">
          <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-best)" strokeWidth="3" />
        </svg>
        best lineage
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="10" height="10">
          <circle cx="5" cy="5" r="3.5" fill="none" stroke="#10b981" strokeWidth="1.5" />
        </svg>
        running
      </span>
    </div>
  );
}
