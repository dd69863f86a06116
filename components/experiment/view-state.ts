"use client";
// The experiment page's view state lives in the URL (?metric=&hp=&members=1,4&trace=123&x=time…),
// so a link shows the same view to a colleague.
import { useCallback, useMemo } from "react";
import { useSearch } from "../url-state";
import { parseTraceParam } from "./trace";
import type { Overview } from "./types";

export const CURVE_X = ["step", "generation", "time"] as const;
export type CurveX = (typeof CURVE_X)[number];

export interface ViewState {
  metric: string | null;
  hyperparameter: string | null;
  /** Members singled out; empty: all members are shown alike. */
  members: number[];
  /** The traced job; null: the best job (the default trace). */
  trace: number | null;
  /** The curves' x axis. */
  x: CurveX;
  /** The curves' y axis on a log scale. */
  log: boolean;
  /** Exponential smoothing of the curves, 0 (none) to 0.99. */
  smooth: number;
  /** Fit the curves' y axis to the best k members (null: all of them). */
  top: number | null;
  /** Result keys shown as columns of the population table. */
  columns: string[];
}

/** What a dashboard panel gets: the experiment as shown, and the view state it reads and changes. */
export interface PanelProps {
  overview: Overview;
  view: ViewState;
  setView(change: Partial<ViewState>): void;
}

export function parseView(params: URLSearchParams): ViewState {
  const smooth = Number(params.get("smooth"));
  const top = Number(params.get("top"));
  const x = params.get("x");
  return {
    metric: params.get("metric"),
    hyperparameter: params.get("hp"),
    members: (params.get("members") ?? "")
      .split(",")
      .filter((s) => /^\d+$/.test(s))
      .map(Number),
    trace: parseTraceParam(params.get("trace")),
    x: (CURVE_X as readonly string[]).includes(x ?? "") ? (x as CurveX) : "step",
    log: params.get("log") === "1",
    smooth: Number.isFinite(smooth) ? Math.min(0.99, Math.max(0, smooth)) : 0,
    top: Number.isInteger(top) && top > 0 ? top : null,
    columns: (params.get("cols") ?? "").split(",").filter((c) => c.length > 0),
  };
}

export function useViewState(): [ViewState, (change: Partial<ViewState>) => void] {
  const [query, write] = useSearch();
  const state = useMemo<ViewState>(() => parseView(new URLSearchParams(query)), [query]);
  const update = useCallback(
    (change: Partial<ViewState>) => {
      // From the address as it is now: two changes in one event must not undo each other.
      const next = new URLSearchParams(window.location.search);
      const set = (key: string, value: string | null | undefined) => {
        if (value === undefined) return;
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
      };
      set("metric", change.metric);
      set("hp", change.hyperparameter);
      if (change.members !== undefined) set("members", [...new Set(change.members)].sort((a, b) => a - b).join(","));
      if (change.trace !== undefined) set("trace", change.trace === null ? null : String(change.trace));
      if (change.x !== undefined) set("x", change.x === "step" ? null : change.x);
      if (change.log !== undefined) set("log", change.log ? "1" : null);
      if (change.smooth !== undefined) set("smooth", change.smooth > 0 ? String(change.smooth) : null);
      if (change.top !== undefined) set("top", change.top === null ? null : String(change.top));
      if (change.columns !== undefined) set("cols", [...new Set(change.columns)].join(","));
      write(next.toString());
    },
    [write],
  );
  return [state, update];
}

/** The job traced: the one in the URL when the page holds it, else the best job. */
export function tracedJobId(view: ViewState, overview: Overview, has: (id: number) => boolean): number | null {
  if (view.trace !== null && has(view.trace)) return view.trace;
  return overview.best?.jobId ?? null;
}
