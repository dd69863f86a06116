"use client";
// The job's lineage as a small tree: its ancestors back to generation 0 (across the members an
// exploit passed through), this job, and the jobs continuing it. Every node links to its job.
import Link from "next/link";
import type { JobLink } from "@/server/domain/overview";
import { formatScore } from "../format";
import { jobHref } from "../routes";
import { layoutAncestry } from "./ancestry-layout";

export function AncestryTree({ ancestry, selfId, children }: { ancestry: JobLink[]; selfId: number; children: JobLink[] }) {
  const layout = layoutAncestry(ancestry, selfId, children);
  // Label every column when they fit, else every k-th.
  const every = Math.ceil(layout.generations.length / 24);
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800" data-testid="ancestry-tree">
      <svg
        width={layout.width}
        height={layout.height + 10}
        role="group"
        aria-label="Lineage tree: generation 0 on the left, the jobs continuing this one on the right"
        className="block"
      >
        <text x={8} y={14} className="fill-[var(--chart-text)] text-[11px]">
          generation →
        </text>
        {layout.generations.map((g, i) =>
          i % every === 0 ? (
            <text key={g} x={layout.nodes[0]!.x + i * 56} y={14} textAnchor="middle" className="fill-[var(--chart-text)] text-[11px] tabular-nums">
              {g}
            </text>
          ) : null,
        )}
        {layout.rows.map((member, i) => (
          <text key={member} x={8} y={28 + i * 40 + 4} className="fill-[var(--chart-text)] text-[11px]">
            member {member}
          </text>
        ))}
        {layout.edges.map((e) => (
          <path
            key={`${e.from}-${e.to}`}
            d={e.path}
            fill="none"
            stroke={e.exploit ? "var(--chart-exploit)" : "var(--chart-text)"}
            strokeWidth={e.exploit ? 2 : 1.5}
            strokeDasharray={e.exploit ? "4 3" : undefined}
            data-edge={`${e.from}-${e.to}`}
          />
        ))}
        {layout.nodes.map((n) => {
          const j = n.job;
          const title = `Job #${j.id}: member ${j.member}, generation ${j.generation}, ${j.origin}, score ${formatScore(j.score)}`;
          const circle = (
            <circle
              cx={n.x}
              cy={n.y}
              r={n.role === "self" ? 8 : 6}
              className={
                n.role === "self"
                  ? "fill-emerald-600 stroke-emerald-900 dark:fill-emerald-400 dark:stroke-emerald-100"
                  : n.role === "child"
                    ? "fill-white stroke-zinc-500 dark:fill-zinc-950 dark:stroke-zinc-400"
                    : "fill-zinc-500 stroke-zinc-700 dark:fill-zinc-400 dark:stroke-zinc-200"
              }
              strokeWidth={1.5}
            />
          );
          return (
            <g key={j.id} data-tree-job={j.id} data-role={n.role}>
              {n.role === "self" ? (
                <g aria-current="page" aria-label={title} role="img">
                  <title>{title}</title>
                  {circle}
                </g>
              ) : (
                <Link href={jobHref(j.id)} aria-label={title} className="focus-visible:outline-2 focus-visible:outline-emerald-600">
                  <title>{title}</title>
                  {circle}
                </Link>
              )}
              <text x={n.x} y={n.y + 19} textAnchor="middle" className="pointer-events-none fill-[var(--chart-text)] text-[10px] tabular-nums">
                #{j.id}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
