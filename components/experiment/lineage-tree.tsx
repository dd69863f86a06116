"use client";
// The lineage tree: generation across, member down, every job a node coloured by its score;
// edges run from parent to child, those that copy across members (exploits) in a strong colour,
// and the best lineage drawn over everything. Hover (or arrow keys) shows a job; click or Enter
// opens it.
import { useRouter } from "next/navigation";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { scoreColor, scoreScale, VIRIDIS_GRADIENT } from "../charts/colors";
import { formatScore, formatValue } from "../format";
import { jobHref } from "../routes";
import { cellJobs } from "./population-data";
import type { JobNode, Overview } from "./types";
import { sectionHeading } from "./ui";

const LEFT = 64;
const TOP = 22;
const PAD = 10;

interface Layout {
  generations: number;
  members: number;
  cellW: number;
  cellH: number;
  width: number;
  height: number;
  r: number;
}

function layoutFor(containerWidth: number, generations: number, members: number): Layout {
  const cellW = Math.max(7, Math.min(48, (containerWidth - LEFT - PAD) / generations));
  const cellH = Math.max(7, Math.min(30, 520 / members));
  const r = Math.max(2.2, Math.min(cellW, cellH) * 0.3);
  return { generations, members, cellW, cellH, width: LEFT + PAD + cellW * generations, height: TOP + PAD + cellH * members, r };
}

const cx = (l: Layout, generation: number) => LEFT + (generation + 0.5) * l.cellW;
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
  const maxGeneration = cells.reduce((m, j) => Math.max(m, j.generation), 0);
  const maxMember = cells.reduce((m, j) => Math.max(m, j.member), 0);
  const generations = Math.max(config.stop.maxGenerations, maxGeneration + 1);
  const members = Math.max(config.populationSize, maxMember + 1);
  // One object per size, so the memoised layer of nodes is not redrawn on every hover.
  const layout = useMemo(() => layoutFor(width, generations, members), [width, generations, members]);
  const byCell = useMemo(() => new Map(cells.map((j) => [`${j.member}/${j.generation}`, j])), [cells]);

  const [hovered, setHovered] = useState<JobNode | null>(null);
  const [cursor, setCursor] = useState<{ member: number; generation: number } | null>(null);
  const cursorJob = cursor ? (byCell.get(`${cursor.member}/${cursor.generation}`) ?? null) : null;
  const shown = hovered ?? cursorJob;

  const jobFromEvent = (event: React.SyntheticEvent) => {
    const el = (event.target as Element).closest("[data-job]");
    const id = el ? Number(el.getAttribute("data-job")) : NaN;
    return overview.jobs.find((j) => j.id === id) ?? null;
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
    const start = cursor ?? { member: overview.best?.member ?? 0, generation: overview.best?.generation ?? 0 };
    if (!cursor) return setCursor(start);
    setCursor({
      member: Math.min(layout.members - 1, Math.max(0, start.member + move[0])),
      generation: Math.min(layout.generations - 1, Math.max(0, start.generation + move[1])),
    });
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="tree-heading" className={sectionHeading}>
          Lineage tree
        </h2>
        <TreeLegend objective={config.objective} />
      </div>
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
            onMouseMove={(e) => setHovered(jobFromEvent(e))}
            onMouseLeave={() => setHovered(null)}
            onClick={(e) => {
              const job = jobFromEvent(e);
              if (!job || e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              router.push(jobHref(job.id));
            }}
          >
            <TreeLayer overview={overview} cells={cells} layout={layout} />
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
                x={LEFT + cursor.generation * layout.cellW}
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
        {shown && <JobCard job={shown} overview={overview} layout={layout} />}
      </div>
    </div>
  );
}

function describe(job: JobNode) {
  return `Job ${job.id}: member ${job.member}, generation ${job.generation}, ${job.status}, score ${formatScore(job.score)}, ${job.origin}`;
}

const TreeLayer = memo(function TreeLayer({
  overview,
  cells,
  layout,
}: {
  overview: Overview;
  cells: JobNode[];
  layout: Layout;
}) {
  const objective = overview.experiment.config.objective;
  const jobById = new Map(overview.jobs.map((j) => [j.id, j]));
  const scale = scoreScale(cells.filter((j) => j.score !== null).map((j) => j.score!), objective);
  const best = new Set(overview.best?.jobIds ?? []);
  const edges: React.ReactNode[] = [];
  const exploitEdges: React.ReactNode[] = [];
  const bestEdges: React.ReactNode[] = [];
  for (const job of cells) {
    if (job.parentId === null) continue;
    const parent = jobById.get(job.parentId);
    if (!parent) continue;
    const x1 = cx(layout, parent.generation);
    const y1 = cy(layout, parent.member);
    const x2 = cx(layout, job.generation);
    const y2 = cy(layout, job.member);
    const exploit = parent.member !== job.member;
    const mid = (x1 + x2) / 2;
    const d = exploit ? `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}` : `M${x1} ${y1} L${x2} ${y2}`;
    if (best.has(job.id) && best.has(parent.id)) {
      bestEdges.push(<path key={job.id} d={d} fill="none" stroke="var(--chart-best)" strokeWidth={3} strokeLinecap="round" />);
    } else if (exploit) {
      exploitEdges.push(<path key={job.id} className="tree-edge" data-member={job.member} d={d} fill="none" stroke="var(--chart-exploit)" strokeWidth={1.5} strokeOpacity={0.85} />);
    } else {
      edges.push(<path key={job.id} className="tree-edge" data-member={job.member} d={d} fill="none" stroke="var(--chart-edge)" strokeWidth={1} />);
    }
  }
  const tickEvery = Math.max(1, Math.ceil(28 / layout.cellW));
  const memberEvery = Math.max(1, Math.ceil(12 / layout.cellH));
  return (
    <g>
      <g fontSize={11} fill="var(--chart-text)">
        {Array.from({ length: layout.generations }, (_, g) =>
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
      <g>{edges}</g>
      <g>{exploitEdges}</g>
      <g>{bestEdges}</g>
      <g>
        {cells.map((job) => {
          const done = job.status === "done" && job.score !== null;
          const fill = done
            ? scoreColor(scale(job.score!))
            : job.status === "crashed"
              ? "#dc2626"
              : "var(--chart-surface)";
          return (
            <a key={job.id} href={jobHref(job.id)} data-job={job.id} data-status={job.status} aria-label={describe(job)} tabIndex={-1} className="tree-node" data-member={job.member}>
              <circle
                cx={cx(layout, job.generation)}
                cy={cy(layout, job.member)}
                r={layout.r}
                fill={fill}
                stroke={best.has(job.id) ? "var(--chart-best)" : done ? "none" : job.status === "running" ? "#10b981" : "var(--chart-edge)"}
                strokeWidth={best.has(job.id) ? 1.5 : 1.25}
                strokeDasharray={job.status === "queued" ? "2 1.5" : undefined}
                className={job.status === "running" ? "animate-pulse" : undefined}
              />
            </a>
          );
        })}
      </g>
    </g>
  );
});

function JobCard({ job, overview, layout }: { job: JobNode; overview: Overview; layout: Layout }) {
  const donor = job.donorJobId !== null ? overview.jobs.find((j) => j.id === job.donorJobId) : undefined;
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
        score <span className="font-medium tabular-nums">{formatScore(job.score)}</span>
      </p>
      <p>
        {job.origin}
        {donor ? ` from member ${donor.member} (job #${donor.id})` : ""}
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
