import type { RouterOutputs } from "./trpc";

type ExperimentStatus = RouterOutputs["experiments"]["list"]["items"][number]["status"];

const tone: Record<ExperimentStatus, string> = {
  running: "bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300 dark:ring-emerald-400/30",
  paused: "bg-amber-100 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300 dark:ring-amber-400/30",
  done: "bg-zinc-100 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-500/10 dark:text-zinc-300 dark:ring-zinc-400/30",
};

export function ExperimentStatusBadge({ status }: { status: ExperimentStatus }) {
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone[status]}`}>{status}</span>;
}
