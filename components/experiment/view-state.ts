"use client";
// The experiment page's view state lives in the URL (?metric=&hp=&members=1,4), so a link shows
// the same view to a colleague.
import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import type { Overview } from "./types";

export interface ViewState {
  metric: string | null;
  hyperparameter: string | null;
  /** Members singled out; empty: all members are shown alike. */
  members: number[];
}

/** What a dashboard panel gets: the experiment as shown, and the view state it reads and changes. */
export interface PanelProps {
  overview: Overview;
  view: ViewState;
  setView(change: Partial<ViewState>): void;
}

export function useViewState(): [ViewState, (change: Partial<ViewState>) => void] {
  const params = useSearchParams();
  const pathname = usePathname();
  const state = useMemo<ViewState>(
    () => ({
      metric: params.get("metric"),
      hyperparameter: params.get("hp"),
      members: (params.get("members") ?? "")
        .split(",")
        .filter((s) => /^\d+$/.test(s))
        .map(Number),
    }),
    [params],
  );
  const update = useCallback(
    (change: Partial<ViewState>) => {
      const next = new URLSearchParams(params.toString());
      const set = (key: string, value: string | null | undefined) => {
        if (value === undefined) return;
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
      };
      set("metric", change.metric);
      set("hp", change.hyperparameter);
      if (change.members !== undefined) set("members", [...new Set(change.members)].sort((a, b) => a - b).join(","));
      const query = next.toString();
      // The native history API: Next.js syncs useSearchParams with it, without a server round trip.
      window.history.replaceState(null, "", query ? `${pathname}?${query}` : pathname);
    },
    [params, pathname],
  );
  return [state, update];
}
