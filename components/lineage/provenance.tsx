// Where an experiment came from: the schedule it replays (with the replay's scores beside the
// original's, generation by generation) or the job it was forked from.
import Link from "next/link";
import type { ExperimentConfig } from "@/server/pbt/config";
import type { JobNode } from "@/server/domain/overview";
import { formatScore } from "../format";
import { link } from "../experiment/ui";
import { experimentHref, jobHref } from "../routes";

export function Provenance({ config, jobs }: { config: ExperimentConfig; jobs: JobNode[] }) {
  if (config.fork) {
    const { fork } = config;
    return (
      <p className="text-sm" data-testid="provenance">
        Continues from{" "}
        <Link className={link} href={jobHref(fork.jobId)}>
          job #{fork.jobId}
        </Link>
        {fork.experiment && (
          <>
            {" "}
            of{" "}
            <Link className={link} href={experimentHref(fork.experiment)}>
              {fork.experiment}
            </Link>
          </>
        )}{" "}
        (generation {fork.generation}): every member started from its checkpoint.
      </p>
    );
  }
  if (!config.replay) return null;
  const { source, steps } = config.replay;
  return (
    <div className="space-y-2" data-testid="provenance">
      <p className="text-sm">
        Replays the schedule that led to job #{source.jobId} of{" "}
        <Link className={link} href={experimentHref(source.experiment)}>
          {source.experiment}
        </Link>
        , from scratch (if that experiment lives on another server, the link leads nowhere).
      </p>
      <ReplayBeside steps={steps} jobs={jobs} metric={source.metric} />
    </div>
  );
}

/** The original's score at each generation (a dashed line) and each replaying member's (solid). */
function ReplayBeside({ steps, jobs, metric }: { steps: { score: number | null }[]; jobs: JobNode[]; metric: string }) {
  const members = [...new Set(jobs.map((j) => j.member))].sort((a, b) => a - b);
  const scoreAt = (member: number, generation: number) =>
    jobs.find((j) => j.member === member && j.generation === generation && j.status === "done")?.score ?? null;
  const values = [...steps.map((s) => s.score), ...jobs.map((j) => j.score)].filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return null;
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const width = 600;
  const height = 120;
  const x = (g: number) => (steps.length <= 1 ? 0 : (g / (steps.length - 1)) * width);
  const y = (v: number) => (high === low ? height / 2 : height - ((v - low) / (high - low)) * height);
  const path = (score: (g: number) => number | null) => {
    let d = "";
    let pen = false;
    steps.forEach((_, g) => {
      const v = score(g);
      if (v === null || !Number.isFinite(v)) return void (pen = false);
      d += `${pen ? "L" : "M"}${x(g).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const last = steps.length - 1;
  return (
    <figure className="space-y-1">
      <svg
        viewBox={`-4 -4 ${width + 8} ${height + 8}`}
        className="h-32 w-full max-w-2xl"
        role="img"
        aria-label={`${metric} by generation: the original and the replay`}
      >
        {members.map((m) => (
          <path key={m} d={path((g) => scoreAt(m, g))} className="fill-none stroke-emerald-600 dark:stroke-emerald-400" strokeWidth={3} />
        ))}
        {/* On top: where a replay follows the original exactly, both stay visible. */}
        <path d={path((g) => steps[g]!.score)} className="fill-none stroke-zinc-700 dark:stroke-zinc-200" strokeWidth={1.5} strokeDasharray="6 4" />
      </svg>
      <figcaption className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="replay-final">
        {metric} at generation {last}: original {formatScore(steps[last]!.score)}
        {members.map((m) => `, replay member ${m} ${formatScore(scoreAt(m, last))}`).join("")} (dashed: original; solid: replay)
      </figcaption>
    </figure>
  );
}
