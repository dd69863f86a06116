"use client";
// A page's view state in the URL's query (filters, sort, the generations shown), so a link shows
// the same view to a colleague. Changes replace the history entry: a filter typed letter by letter
// is not a trail of pages to go back through.
import { usePathname, useSearchParams } from "next/navigation";
import { useCallback } from "react";

export type QueryChange = Record<string, string | string[] | null | undefined>;

export function useQueryState(): [URLSearchParams, (change: QueryChange) => void] {
  const params = useSearchParams();
  const pathname = usePathname();
  const update = useCallback(
    (change: QueryChange) => {
      const next = new URLSearchParams(window.location.search);
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) continue;
        next.delete(key);
        if (value === null || value === "") continue;
        for (const v of Array.isArray(value) ? value : [value]) next.append(key, v);
      }
      const query = next.toString();
      // The native history API: Next.js syncs useSearchParams with it, without a server round trip.
      window.history.replaceState(null, "", query ? `${pathname}?${query}` : pathname);
    },
    [pathname],
  );
  return [new URLSearchParams(params.toString()), update];
}
