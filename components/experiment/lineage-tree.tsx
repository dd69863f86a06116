"use client";
// The lineage tree: generation across, member down, every job a node coloured by its score;
// edges from parent to child, exploits as curves from the donor to its copy, and the traced
// lineage (the best one unless another job is traced) drawn over everything. Pointer or keyboard
// shows a job; click or Enter traces its lineage; O opens it.
//
// Drawn on a canvas (tree-draw.ts) from a pure scene (tree-layout.ts): thousands of jobs cost a
// few milliseconds, redrawn whole on each live update. A second canvas on top holds the hover
// ring, so moving the pointer does not redraw the tree. The canvas element carries the scene it
// drew (`lineageTree`) and announces each draw (the `lineage-tree-drawn` event), for the browser
// tests and benchmarks.
import { useRouter } from "next/navigation";
import { memo, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useWidth } from "../charts/use-width";
import { scoreScale } from "../charts/colors";
import { useChartTheme } from "../charts/use-chart-theme";
import { jobHref } from "../routes";
import { SectionHeader } from "./section-header";
import type { Trace } from "./trace";
import { describeJob, TreeJobCard } from "./tree-card";
import { COLOUR_LEVELS, drawTrace, drawTree, prepareCanvas } from "./tree-draw";
import { layoutTree, neighbour, nodeAt, treeGeometry, type TreeScene } from "./tree-layout";
import { TreeLegend } from "./tree-legend";
import type { JobNode, Overview } from "./types";

export interface DrawnTree {
  scene: TreeScene<JobNode>;
  traced: Set<number> | null;
}

export const LineageTree = memo(function LineageTree({ overview, trace, onTrace }: { overview: Overview; trace: Trace | null; onTrace(jobId: number): void }) {
  const router = useRouter();
  const theme = useChartTheme();
  const [container, width] = useWidth<HTMLDivElement>();
  const base = useRef<HTMLCanvasElement>(null);
  const traceLayer = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);

  const config = overview.experiment.config;
  const jobs = overview.jobs;
  let maxGeneration = 0;
  let minGeneration = Infinity;
  let maxMember = 0;
  for (const j of jobs) {
    if (j.generation > maxGeneration) maxGeneration = j.generation;
    if (j.generation < minGeneration) minGeneration = j.generation;
    if (j.member > maxMember) maxMember = j.member;
  }
  // A long history comes as each member's latest jobs: the tree starts at the oldest of them.
  const windowed = overview.window.latestPerMember !== null;
  const first = windowed && Number.isFinite(minGeneration) ? minGeneration : 0;
  const generations = Math.max(config.stop.maxGenerations, maxGeneration + 1) - first;
  const members = Math.max(config.populationSize, maxMember + 1);
  const geometry = useMemo(() => treeGeometry(Math.max(320, width), first, generations, members), [width, first, generations, members]);
  const scene = useMemo(() => layoutTree(jobs, geometry), [jobs, geometry]);
  const level = useMemo(() => {
    const scores: number[] = [];
    for (const j of jobs) if (j.status === "done" && j.score !== null) scores.push(j.score);
    const scale = scoreScale(scores, config.objective);
    return (job: JobNode) => (job.status === "done" && job.score !== null ? Math.round(scale(job.score) * (COLOUR_LEVELS - 1)) : -1);
  }, [jobs, config.objective]);

  useLayoutEffect(() => {
    const canvas = base.current;
    if (!canvas || width === 0) return;
    drawTree(prepareCanvas(canvas, geometry.width, geometry.height), scene, { theme, level });
  }, [scene, theme, level, geometry, width]);

  // The trace on its own canvas: tracing another job redraws its lineage, not every job. Runs after
  // the tree's draw in the same commit (it follows each of its redraws: `level` too), so the canvas
  // then says what the two layers show.
  const traced = trace?.jobs ?? null;
  const tracedJob = trace?.jobId ?? null;
  useLayoutEffect(() => {
    const canvas = traceLayer.current;
    if (!canvas || width === 0) return;
    const ctx = prepareCanvas(canvas, geometry.width, geometry.height);
    if (traced) drawTrace(ctx, scene, traced, tracedJob, theme);
    const tree = base.current!;
    (tree as HTMLCanvasElement & { lineageTree?: DrawnTree }).lineageTree = { scene, traced };
    tree.dispatchEvent(new CustomEvent("lineage-tree-drawn"));
  }, [scene, theme, level, traced, tracedJob, geometry, width]);

  const [hovered, setHovered] = useState<number | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const shownId = hovered ?? cursor;
  const shown = shownId === null ? undefined : scene.byId.get(shownId);
  useLayoutEffect(() => {
    const canvas = overlay.current;
    if (!canvas || width === 0) return;
    const ctx = prepareCanvas(canvas, geometry.width, geometry.height);
    if (!shown) return;
    ctx.strokeStyle = theme.trace;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(shown.x, shown.y, shown.r + 3.5, 0, Math.PI * 2);
    ctx.stroke();
  }, [shown, theme, geometry, width]);

  const pointAt = (event: React.MouseEvent) => {
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return nodeAt(scene, event.clientX - box.left, event.clientY - box.top);
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const current = cursor === null ? undefined : scene.byId.get(cursor);
    if ((event.key === "Enter" || event.key === " ") && current) {
      event.preventDefault();
      onTrace(current.job.id);
      return;
    }
    if (event.key.toLowerCase() === "o" && current) {
      event.preventDefault();
      router.push(jobHref(current.job.id));
      return;
    }
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown" && event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    // The first arrow lands on the traced job (or the best one), then moves from there.
    const start = current ?? scene.byId.get(trace?.jobId ?? overview.best?.jobId ?? -1) ?? scene.nodes.find((n) => !n.superseded);
    if (!start) return;
    const next = current ? neighbour(scene, current, event.key) : start;
    setCursor(next.job.id);
    const scroller = container.current;
    if (scroller) {
      // Keep the cursor in view in the scrolled tree.
      if (next.y < scroller.scrollTop + 20) scroller.scrollTop = next.y - 40;
      else if (next.y > scroller.scrollTop + scroller.clientHeight - 20) scroller.scrollTop = next.y - scroller.clientHeight + 40;
    }
  };

  const cursorJob = cursor === null ? undefined : scene.byId.get(cursor)?.job;
  const jobById = scene.byId;
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
      <p className="flex justify-between text-xs text-zinc-600 dark:text-zinc-400">
        <span>member ↓ (rows; a member that copied a donor behind it gets a second lane)</span>
        <span>generation (lineage depth) →</span>
      </p>
      <div
        ref={container}
        className="relative max-h-[44rem] overflow-auto rounded-lg border border-zinc-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:border-zinc-800"
        tabIndex={0}
        role="group"
        aria-label="Lineage tree: arrow keys move between jobs, Enter traces the job's lineage, O opens the job"
        aria-describedby="tree-current"
        onKeyDown={onKeyDown}
        onBlur={() => setCursor(null)}
        data-testid="lineage-tree"
        data-jobs={jobs.length}
        data-traced-job={trace?.jobId ?? ""}
      >
        <div className="relative" style={{ width: geometry.width, height: geometry.height }}>
          <canvas ref={base} className="absolute inset-0" data-testid="lineage-tree-canvas" aria-hidden />
          <canvas ref={traceLayer} className="absolute inset-0" aria-hidden />
          <canvas
            ref={overlay}
            data-testid="lineage-tree-overlay"
            className="absolute inset-0 cursor-pointer"
            aria-hidden
            onMouseMove={(e) => setHovered(pointAt(e)?.job.id ?? null)}
            onMouseLeave={() => setHovered(null)}
            onClick={(e) => {
              const node = pointAt(e);
              if (!node) return;
              if (e.metaKey || e.ctrlKey) window.open(jobHref(node.job.id), "_blank");
              else onTrace(node.job.id);
            }}
          />
          {shown && (
            <TreeJobCard
              job={shown.job}
              donor={shown.job.donorJobId === null ? undefined : jobById.get(shown.job.donorJobId)?.job}
              x={shown.x}
              y={shown.y}
              width={geometry.width}
              height={geometry.height}
            />
          )}
        </div>
      </div>
      <p id="tree-current" className="sr-only" aria-live="polite">
        {cursorJob ? describeJob(cursorJob) : ""}
      </p>
    </div>
  );
});
