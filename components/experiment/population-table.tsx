"use client";
// The population table: one row per member with its latest job; sortable by any column; any key
// of the members' latest results can be added as a column. At 1366 px it fits with a few
// hyperparameters; when it does not, it says that it scrolls sideways.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { memo, useEffect, useRef, useState } from "react";
import { useTRPC } from "../trpc";
import { memberColor } from "../charts/colors";
import { formatScore, formatValue } from "../format";
import { RelativeTime } from "../relative-time";
import { jobHref } from "../routes";
import type { MemberRow } from "./types";
import { link, sectionHeading } from "./ui";
import type { PanelProps } from "./view-state";

type Key = "member" | "generation" | "status" | "score" | "workerId" | "heartbeatAt" | "exploits" | `hp:${string}` | `result:${string}`;
type ResultValues = Map<number, Record<string, string | number | boolean | null>>;

function valueOf(row: MemberRow, key: Key, results: ResultValues): string | number | null {
  if (key.startsWith("result:")) {
    const v = results.get(row.member)?.[key.slice(7)];
    return typeof v === "number" || typeof v === "string" ? v : v === undefined || v === null ? null : String(v);
  }
  if (key.startsWith("hp:")) {
    const v = row.hyperparameters[key.slice(3)];
    return typeof v === "number" ? v : v === undefined ? null : JSON.stringify(v);
  }
  return row[key as keyof MemberRow] as string | number | null;
}

// Memoised: the page redraws on every live update, the table only when its inputs change.
export const PopulationTable = memo(function PopulationTable({ overview, view, setView }: PanelProps) {
  const objective = overview.experiment.config.objective;
  const trpc = useTRPC();
  const [picking, setPicking] = useState(false);
  // Read only when a result column is shown or being picked; refreshed with the overview.
  const results = useQuery(
    trpc.dashboard.results.queryOptions({ name: overview.experiment.name }, { enabled: view.columns.length > 0 || picking, staleTime: Infinity }),
  );
  const resultValues: ResultValues = new Map((results.data?.members ?? []).map((m) => [m.member, m.values]));
  const scroller = useRef<HTMLDivElement>(null);
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const check = () => setOverflows(el.scrollWidth > el.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  const [sort, setSort] = useState<{ key: Key; descending: boolean }>({ key: "score", descending: objective === "maximize" });
  const names = Object.keys(overview.experiment.config.hyperparameters).sort();
  const rows = [...overview.members].sort((a, b) => {
    const x = valueOf(a, sort.key, resultValues);
    const y = valueOf(b, sort.key, resultValues);
    if (x === y) return a.member - b.member;
    if (x === null) return 1; // missing values last, either direction
    if (y === null) return -1;
    const order = x < y ? -1 : 1;
    return sort.descending ? -order : order;
  });
  const chosen = new Set(view.members);
  const columns: { key: Key; label: string; numeric?: boolean }[] = [
    { key: "member", label: "Member", numeric: true },
    { key: "generation", label: "Generation", numeric: true },
    { key: "status", label: "Status" },
    { key: "score", label: `Score (${overview.experiment.config.metric})`, numeric: true },
    ...names.map((n) => ({ key: `hp:${n}` as Key, label: n, numeric: true })),
    ...view.columns.map((c) => ({ key: `result:${c}` as Key, label: `results.${c}`, numeric: true })),
    { key: "exploits", label: "Exploits", numeric: true },
    { key: "workerId", label: "Worker" },
    { key: "heartbeatAt", label: "Last heartbeat" },
  ];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="population-heading" className={sectionHeading}>
          Population
        </h2>
        <details className="relative text-sm" onToggle={(e) => setPicking((e.target as HTMLDetailsElement).open)}>
          <summary className="cursor-pointer text-zinc-700 dark:text-zinc-300">
            Result columns{view.columns.length > 0 ? ` (${view.columns.length})` : ""}
          </summary>
          <fieldset className="absolute right-0 z-10 mt-1 max-h-72 w-64 overflow-auto rounded-md border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
            <legend className="sr-only">Result keys shown as columns</legend>
            {results.isPending ? (
              <p className="text-zinc-500 dark:text-zinc-400">Loading…</p>
            ) : (results.data?.keys.length ?? 0) === 0 ? (
              <p className="text-zinc-500 dark:text-zinc-400">No results reported yet.</p>
            ) : (
              results.data!.keys.map((k) => (
                <label key={k} className="flex items-center gap-2 py-0.5 font-mono text-xs">
                  <input
                    type="checkbox"
                    checked={view.columns.includes(k)}
                    onChange={(e) => setView({ columns: e.target.checked ? [...view.columns, k] : view.columns.filter((c) => c !== k) })}
                  />
                  {k}
                </label>
              ))
            )}
          </fieldset>
        </details>
      </div>
      {overflows && (
        <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="table-scrolls">
          The table is wider than the page: scroll it sideways for more columns →
        </p>
      )}
      <div ref={scroller} className="max-h-[36rem] overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
        <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-labelledby="population-heading">
          <thead className="sticky top-0 z-[1] bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
            <tr>
              {columns.map((c) => {
                const active = sort.key === c.key;
                return (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}
                    className={`px-3 py-2 font-medium whitespace-nowrap ${c.numeric ? "text-right" : "text-left"}`}
                  >
                    <button
                      type="button"
                      className="inline-flex items-center gap-1 rounded hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-emerald-600 dark:hover:text-zinc-100"
                      onClick={() => setSort({ key: c.key, descending: active ? !sort.descending : c.key === "score" && objective === "maximize" })}
                    >
                      {c.label}
                      <span aria-hidden className="w-3 text-xs">
                        {active ? (sort.descending ? "▼" : "▲") : ""}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {rows.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="px-3 py-6 text-center text-zinc-500 dark:text-zinc-400">
                  No members yet: they appear as workers ask for jobs.
                </td>
              </tr>
            )}
            {rows.map((row) => (
              <tr key={row.member} data-member={row.member}>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  <button
                    type="button"
                    aria-pressed={chosen.has(row.member)}
                    title="Highlight this member in the charts"
                    className="inline-flex items-center gap-1.5 rounded focus-visible:outline-2 focus-visible:outline-emerald-600"
                    onClick={() => setView({ members: chosen.has(row.member) ? view.members.filter((m) => m !== row.member) : [...view.members, row.member] })}
                  >
                    <span aria-hidden className="inline-block size-2 rounded-full" style={{ background: memberColor(row.member) }} />
                    {row.member}
                  </button>
                </td>
                <td className="px-3 py-1.5 text-right tabular-nums">
                  <Link href={jobHref(row.jobId)} className={link}>
                    {row.generation}
                  </Link>
                </td>
                <td className="px-3 py-1.5">
                  <JobStatus status={row.status} />
                </td>
                <td className="px-3 py-1.5 text-right font-medium tabular-nums">
                  {row.diverged ? <span className="text-red-700 dark:text-red-400">diverged</span> : formatScore(row.score)}
                </td>
                {names.map((n) => (
                  <td key={n} className="px-3 py-1.5 text-right font-mono text-xs tabular-nums">
                    {row.hyperparameters[n] === undefined ? "—" : formatValue(row.hyperparameters[n])}
                  </td>
                ))}
                {view.columns.map((c) => {
                  const v = resultValues.get(row.member)?.[c];
                  return (
                    <td
                      key={c}
                      className="max-w-56 truncate px-3 py-1.5 text-right font-mono text-xs tabular-nums"
                      title={v === undefined ? undefined : String(v)}
                    >
                      {v === undefined ? "—" : formatValue(v)}
                    </td>
                  );
                })}
                <td className="px-3 py-1.5 text-right tabular-nums">{row.exploits}</td>
                <td className="px-3 py-1.5 whitespace-nowrap">{row.workerId ?? "—"}</td>
                <td className="px-3 py-1.5 whitespace-nowrap">{row.heartbeatAt ? <RelativeTime iso={row.heartbeatAt} refreshMs={5_000} /> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
});

const STATUS_TONE: Record<string, string> = {
  running: "text-emerald-700 dark:text-emerald-400",
  queued: "text-zinc-500 dark:text-zinc-400",
  done: "text-zinc-800 dark:text-zinc-200",
  crashed: "text-red-700 dark:text-red-400",
  pruned: "text-zinc-500 dark:text-zinc-400",
};

export function JobStatus({ status }: { status: string }) {
  return <span className={STATUS_TONE[status] ?? ""}>{status}</span>;
}
