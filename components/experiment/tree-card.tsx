// The card beside the job under the pointer (or the keyboard cursor) in the lineage tree.
import { formatScore, formatValue } from "../format";
import type { JobNode } from "./types";

export function describeJob(job: JobNode) {
  return `Job ${job.id}: member ${job.member}, generation ${job.generation}, ${job.status}, ${job.diverged ? "diverged" : `score ${formatScore(job.score)}`}, ${job.origin}`;
}

const CARD_HEIGHT = 190;

export function TreeJobCard({
  job,
  donor,
  x,
  y,
  width,
  height,
}: {
  job: JobNode;
  donor: JobNode | undefined;
  x: number;
  y: number;
  width: number;
  height: number;
}) {
  const left = Math.min(x + 14, Math.max(0, width - 270));
  // Below the job, or above it when the tree's box would cut the card off.
  const top = y + 12 + CARD_HEIGHT > height && y > CARD_HEIGHT ? y - 12 - CARD_HEIGHT : y + 12;
  return (
    <div
      role="tooltip"
      className="pointer-events-none absolute z-10 w-64 rounded-md border border-zinc-200 bg-white p-3 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
      style={{ left, top, maxHeight: CARD_HEIGHT, overflow: "hidden" }}
    >
      <p className="font-semibold">
        Job #{job.id} <span className="font-normal text-zinc-500 dark:text-zinc-400">· {job.status}</span>
      </p>
      <p>
        member {job.member}, generation {job.generation}
        {job.attempt > 0 ? `, attempt ${job.attempt}` : ""}
      </p>
      <p>
        score <span className="font-medium tabular-nums">{job.diverged ? "diverged" : formatScore(job.score)}</span>
      </p>
      <p>
        {job.origin === "exploit" ? "copied " : job.origin}
        {donor ? `member ${donor.member}'s job #${donor.id} (generation ${donor.generation})` : ""}
        {job.exploitReason && job.exploitReason !== "truncate" && job.exploitReason !== "tournament"
          ? ` (its own run ${job.exploitReason === "diverged" ? "diverged" : "used up its retries"})`
          : ""}
      </p>
      <ul className="mt-1 font-mono">
        {Object.entries(job.hyperparameters).map(([k, v]) => (
          <li key={k}>
            {k} = {formatValue(v)}
          </li>
        ))}
      </ul>
      <p className="mt-1 text-zinc-500 dark:text-zinc-400">Click or Enter: trace its lineage</p>
    </div>
  );
}
