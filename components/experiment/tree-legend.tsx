// The lineage tree's key: the score scale (its two ends are what the contrast test reads), the
// exploit edge, the traced lineage, running and queued jobs.
import { SCORE_GRADIENT } from "../charts/colors";

export function TreeLegend({ objective }: { objective: "maximize" | "minimize" }) {
  return (
    <div className="flex flex-wrap items-center gap-4 text-xs text-zinc-600 dark:text-zinc-400">
      <span className="inline-flex items-center gap-1" data-testid="score-scale">
        worse
        <span aria-hidden className="inline-block size-2.5 rounded-full" style={{ background: "var(--score-worst)" }} data-testid="score-worst" />
        <span aria-hidden className="inline-block h-2 w-20 rounded" style={{ background: SCORE_GRADIENT }} />
        <span aria-hidden className="inline-block size-2.5 rounded-full" style={{ background: "var(--score-best)" }} data-testid="score-best" />
        better ({objective})
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="22" height="10">
          <path d="M1 2 C9 2 9 8 15 8" fill="none" stroke="var(--chart-exploit)" strokeWidth="1.5" />
          <path d="M21 8 L15 5 L15 11 Z" fill="var(--chart-exploit)" />
        </svg>
        exploit: donor → copy
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="18" height="6">
          <line x1="0" y1="3" x2="18" y2="3" stroke="var(--chart-trace)" strokeWidth="2.5" />
        </svg>
        traced lineage
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="10" height="10">
          <circle cx="5" cy="5" r="3.5" fill="none" stroke="var(--status-running)" strokeWidth="1.5" />
        </svg>
        running
      </span>
      <span className="inline-flex items-center gap-1">
        <svg aria-hidden width="10" height="10">
          <circle cx="5" cy="5" r="3.5" fill="none" stroke="var(--chart-edge)" strokeWidth="1.5" strokeDasharray="2 1.5" />
        </svg>
        queued
      </span>
    </div>
  );
}
