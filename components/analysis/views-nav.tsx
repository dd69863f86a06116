// The tabs between an experiment's views: its live overview and its analysis.
import Link from "next/link";
import { analysisHref, compareHref, experimentHref } from "../routes";

const tab = "rounded-t-md border-b-2 px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600";
const current = `${tab} border-emerald-600 text-zinc-900 dark:border-emerald-400 dark:text-zinc-100`;
const other = `${tab} border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100`;

export function ExperimentViewsNav({ name, view }: { name: string; view: "overview" | "analysis" }) {
  return (
    <nav aria-label="Experiment views" className="flex items-center gap-1 border-b border-zinc-200 dark:border-zinc-800">
      <Link href={experimentHref(name)} className={view === "overview" ? current : other} aria-current={view === "overview" ? "page" : undefined}>
        Overview
      </Link>
      <Link href={analysisHref(name)} className={view === "analysis" ? current : other} aria-current={view === "analysis" ? "page" : undefined}>
        Analysis
      </Link>
      <Link href={compareHref([name])} className={other}>
        Compare with…
      </Link>
    </nav>
  );
}
