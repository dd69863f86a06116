"use client";
// The home page's table of experiments: searched by name, filtered by status and by the archive
// flag on the server; sorted by any column in the browser. The server sends the newest first, a
// page at a time ("Show more"); another order needs every experiment, so choosing one loads the
// remaining pages. Refetched (throttled) when socket.io says one changed. The filters and the
// order live in the URL (?q=&status=&archived=&sort=&order=).
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useId, useMemo, useState } from "react";
import { getSocket } from "./live/socket";
import { coalescedRefetch } from "./live/throttle";
import { CreateExperimentHint } from "./create-experiment-hint";
import { DeleteExperimentDialog } from "./delete-experiment-dialog";
import { ExperimentStatusBadge } from "./experiment-status-badge";
import { formatScore } from "./format";
import { RelativeTime } from "./relative-time";
import { Loading, TableSkeleton } from "./skeleton";
import { button, input, label } from "./experiment/ui";
import { compareHref, experimentHref } from "./routes";
import { useTRPC, type RouterOutputs } from "./trpc";
import { useQueryState } from "./url-state";
import { compareRows, SORT_KEYS, type SortKey } from "./experiment-sort";

type ExperimentSummary = RouterOutputs["experiments"]["list"]["items"][number];

/** At most one refetch per this long while experiments change. */
const REFRESH_MS = 500;
/** Experiments per page. */
const PAGE_SIZE = 50;
const STATUSES = ["running", "paused", "done"] as const;
const ARCHIVED = ["exclude", "include", "only"] as const;

const smallButton = `${button} px-2 py-1 text-xs`;

export function ExperimentList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [query, setQuery] = useQueryState();
  const search = query.get("q") ?? "";
  const status = STATUSES.find((s) => s === query.get("status"));
  const archived = ARCHIVED.find((a) => a === query.get("archived")) ?? "exclude";
  const sort: SortKey = SORT_KEYS.find((k) => k === query.get("sort")) ?? "created";
  const order = query.get("order") === "asc" ? "asc" : query.get("order") === "desc" ? "desc" : sort === "created" ? "desc" : "asc";
  // The server's own order (newest first) needs no other page.
  const serverOrder = sort === "created" && order === "desc";
  const [selected, setSelected] = useState<string[]>([]);
  const [deleting, setDeleting] = useState<ExperimentSummary | null>(null);

  const filter = { ...(search ? { search } : {}), ...(status ? { status } : {}), archived };
  const experiments = useInfiniteQuery(
    trpc.experiments.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, ...filter },
      { staleTime: Infinity, getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: (previous) => previous },
    ),
  );
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = experiments;
  useEffect(() => {
    if (!serverOrder && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [serverOrder, hasNextPage, isFetchingNextPage, fetchNextPage]);

  useEffect(() => {
    const socket = getSocket();
    const queryKey = trpc.experiments.list.infiniteQueryKey();
    const refresh = coalescedRefetch(() => queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false }), REFRESH_MS);
    // Rooms do not survive a reconnect: watch again, and catch up on what was missed.
    const watch = () => {
      socket.emit("watch-experiments");
      refresh();
    };
    socket.on("connect", watch);
    socket.on("experiments", refresh);
    if (socket.connected) socket.emit("watch-experiments");
    return () => {
      socket.off("connect", watch);
      socket.off("experiments", refresh);
      refresh.cancel();
    };
  }, [trpc, queryClient]);

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.experiments.list.infiniteQueryKey() });
  const archive = useMutation(trpc.experiments.archive.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(
    trpc.experiments.delete.mutationOptions({
      onSuccess: (_answer, input) => {
        setSelected((s) => s.filter((n) => n !== input.name));
        setDeleting(null);
        return invalidate();
      },
    }),
  );

  const list = useMemo(() => {
    const items = experiments.data?.pages.flatMap((page) => page.items) ?? [];
    return serverOrder ? items : items.slice().sort((a, b) => compareRows(a, b, sort, order));
  }, [experiments.data, serverOrder, sort, order]);

  const filtered = search !== "" || status !== undefined || archived !== "exclude";
  const toolbar = (
    <ListToolbar search={search} status={status} archived={archived} onChange={setQuery} selected={selected} onClearSelection={() => setSelected([])} />
  );

  if (experiments.isPending) {
    return (
      <>
        {toolbar}
        <Loading label="Loading experiments…">
          <TableSkeleton rows={6} />
        </Loading>
      </>
    );
  }
  // A failed refetch keeps the last data (status "error" with data): show both.
  const failure = experiments.error && (
    <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-400">
      Could not load the experiments: {experiments.error.message}. Reload the page to try again.
    </p>
  );
  const actionFailure = (archive.error ?? (deleting ? null : remove.error)) && (
    <p role="alert" className="mb-3 text-sm text-red-700 dark:text-red-400">
      {(archive.error ?? remove.error)!.message}
    </p>
  );
  if (experiments.data === undefined)
    return (
      <>
        {toolbar}
        {failure}
      </>
    );
  if (list.length === 0 && !filtered) {
    return (
      <>
        {failure}
        <CreateExperimentHint />
      </>
    );
  }
  return (
    <>
      {toolbar}
      {failure}
      {actionFailure}
      {list.length === 0 ? (
        <p
          className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
          data-testid="no-match"
        >
          No experiment matches these filters.
        </p>
      ) : (
        <ExperimentTable
          experiments={list}
          sort={sort}
          order={order}
          onSort={(key) => setQuery({ sort: key === "created" ? null : key, order: key === sort ? (order === "asc" ? "desc" : "asc") : null })}
          selected={selected}
          onSelect={(name, on) => setSelected((s) => (on ? [...s, name] : s.filter((n) => n !== name)))}
          onArchive={(e) => archive.mutate({ name: e.name, archived: e.archivedAt === null })}
          onDelete={(e) => {
            remove.reset();
            setDeleting(e);
          }}
          busy={archive.isPending ? archive.variables?.name : undefined}
        />
      )}
      {hasNextPage && serverOrder && (
        <button type="button" className={`mt-3 ${button}`} onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
          {isFetchingNextPage ? "Loading…" : "Show more"}
        </button>
      )}
      {hasNextPage && !serverOrder && (
        <p role="status" className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
          Loading every experiment to sort them…
        </p>
      )}
      {deleting && (
        <DeleteExperimentDialog
          experiment={deleting}
          pending={remove.isPending}
          error={remove.error?.message ?? null}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate({ name: deleting.name })}
        />
      )}
    </>
  );
}

function ListToolbar({
  search,
  status,
  archived,
  onChange,
  selected,
  onClearSelection,
}: {
  search: string;
  status: string | undefined;
  archived: string;
  onChange: ReturnType<typeof useQueryState>[1];
  selected: string[];
  onClearSelection(): void;
}) {
  const id = useId();
  // Typed text goes to the URL (and the server) once typing pauses.
  const [text, setText] = useState(search);
  useEffect(() => {
    if (text === search) return;
    const timer = setTimeout(() => onChange({ q: text }), 250);
    return () => clearTimeout(timer);
  }, [text, search, onChange]);
  return (
    <div className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter experiments">
      <div className="w-64">
        <label htmlFor={`${id}-q`} className={label}>
          Search by name
        </label>
        <input id={`${id}-q`} type="search" className={`${input} mt-1`} value={text} placeholder="part of a name" onChange={(e) => setText(e.target.value)} />
      </div>
      <div>
        <label htmlFor={`${id}-status`} className={label}>
          Status
        </label>
        <select id={`${id}-status`} className={`${input} mt-1 w-auto`} value={status ?? ""} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-archived`} className={label}>
          Archived
        </label>
        <select
          id={`${id}-archived`}
          className={`${input} mt-1 w-auto`}
          value={archived}
          onChange={(e) => onChange({ archived: e.target.value === "exclude" ? null : e.target.value })}
        >
          <option value="exclude">hidden</option>
          <option value="include">shown too</option>
          <option value="only">only archived</option>
        </select>
      </div>
      <div className="ml-auto flex items-center gap-2">
        <span className="text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
          {selected.length === 0 ? "Tick experiments to compare them" : `${selected.length} selected`}
        </span>
        {selected.length > 0 && (
          <button type="button" className={smallButton} onClick={onClearSelection}>
            Clear
          </button>
        )}
        {selected.length >= 2 ? (
          <Link href={compareHref(selected)} className={button}>
            Compare {selected.length}
          </Link>
        ) : (
          <button type="button" className={button} disabled title="Tick two experiments or more">
            Compare
          </button>
        )}
      </div>
    </div>
  );
}

// Tight enough that every column, the actions included, fits 1366 px.
const th = "px-2.5 py-2 text-left font-medium whitespace-nowrap";
const thNumber = "px-2.5 py-2 text-right font-medium whitespace-nowrap";
const td = "px-2.5 py-2 whitespace-nowrap";
const tdNumber = "px-2.5 py-2 text-right whitespace-nowrap tabular-nums";

const COLUMNS: { key: SortKey; title: string; numeric: boolean }[] = [
  { key: "name", title: "Name", numeric: false },
  { key: "status", title: "Status", numeric: false },
  { key: "metric", title: "Objective (metric)", numeric: false },
  { key: "best", title: "Best score", numeric: true },
  { key: "population", title: "Population", numeric: true },
  { key: "progress", title: "Progress", numeric: false },
  { key: "running", title: "Running", numeric: true },
  { key: "created", title: "Created", numeric: false },
];

function ExperimentTable({
  experiments,
  sort,
  order,
  onSort,
  selected,
  onSelect,
  onArchive,
  onDelete,
  busy,
}: {
  experiments: ExperimentSummary[];
  sort: SortKey;
  order: "asc" | "desc";
  onSort(key: SortKey): void;
  selected: string[];
  onSelect(name: string, on: boolean): void;
  onArchive(e: ExperimentSummary): void;
  onDelete(e: ExperimentSummary): void;
  busy: string | undefined;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="sr-only">Experiments</caption>
        <thead className="bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
          <tr>
            <th scope="col" className="w-8 px-2.5 py-2">
              <span className="sr-only">Compare</span>
            </th>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                scope="col"
                className={c.numeric ? thNumber : th}
                aria-sort={sort === c.key ? (order === "asc" ? "ascending" : "descending") : undefined}
              >
                <button
                  type="button"
                  className={`inline-flex items-center gap-1 rounded hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:hover:text-zinc-100 ${sort === c.key ? "text-zinc-900 dark:text-zinc-100" : ""}`}
                  onClick={() => onSort(c.key)}
                  data-sort={c.key}
                >
                  {c.title}
                  <span aria-hidden className="w-3 text-xs">
                    {sort === c.key ? (order === "asc" ? "▲" : "▼") : ""}
                  </span>
                </button>
              </th>
            ))}
            <th scope="col" className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {experiments.map((experiment) => (
            <ExperimentRow
              key={experiment.id}
              experiment={experiment}
              selected={selected.includes(experiment.name)}
              onSelect={(on) => onSelect(experiment.name, on)}
              onArchive={() => onArchive(experiment)}
              onDelete={() => onDelete(experiment)}
              busy={busy === experiment.name}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ExperimentRow({
  experiment: e,
  selected,
  onSelect,
  onArchive,
  onDelete,
  busy,
}: {
  experiment: ExperimentSummary;
  selected: boolean;
  onSelect(on: boolean): void;
  onArchive(): void;
  onDelete(): void;
  busy: boolean;
}) {
  const totalGenerations = e.populationSize * e.maxGenerations;
  // The depth reached, also when done: a run stopped by hand or at its target score ends short of it.
  const progress = totalGenerations > 0 ? Math.min(1, e.generationsReached / totalGenerations) : 0;
  return (
    <tr className="hover:bg-zinc-50 dark:hover:bg-zinc-900/50" data-experiment={e.name}>
      <td className="px-2.5 py-2">
        <input
          type="checkbox"
          className="size-4 accent-emerald-600"
          checked={selected}
          onChange={(event) => onSelect(event.target.checked)}
          aria-label={`Select ${e.name} to compare`}
        />
      </td>
      <th scope="row" className={`${td} text-left font-medium`}>
        <Link
          href={experimentHref(e.name)}
          className="rounded text-emerald-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:text-emerald-400"
        >
          {e.name}
        </Link>
        {e.archivedAt !== null && (
          <span className="ml-2 rounded bg-zinc-100 px-1.5 py-0.5 text-xs font-normal text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">archived</span>
        )}
      </th>
      <td className={td}>
        <ExperimentStatusBadge status={e.status} />
      </td>
      <td className={td}>
        {e.objective} <code className="font-mono text-xs">{e.metric}</code>
      </td>
      <td className={tdNumber}>{formatScore(e.bestScore)}</td>
      <td className={tdNumber}>
        {e.members}/{e.populationSize}
      </td>
      <td className={td}>
        <div className="flex items-center gap-2">
          <div aria-hidden className="h-1.5 w-16 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800">
            <div className="h-full bg-emerald-600 dark:bg-emerald-500" style={{ width: `${progress * 100}%` }} />
          </div>
          <span className="tabular-nums" title="generations reached by the members' lineages / population × generations">
            {e.generationsReached}/{totalGenerations}
          </span>
        </div>
      </td>
      <td className={tdNumber}>{e.runningJobs}</td>
      <td className={td}>
        <RelativeTime iso={e.createdAt} />
      </td>
      <td className={`${td} text-right`}>
        <div className="flex justify-end gap-1">
          <button
            type="button"
            className={smallButton}
            onClick={onArchive}
            disabled={busy}
            aria-label={`${e.archivedAt === null ? "Archive" : "Unarchive"} ${e.name}`}
          >
            {e.archivedAt === null ? "Archive" : "Unarchive"}
          </button>
          <button type="button" className={`${smallButton} text-red-700 dark:text-red-400`} onClick={onDelete} aria-label={`Delete ${e.name}`}>
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}
