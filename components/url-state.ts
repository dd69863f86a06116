"use client";
// A page's view state in the URL's query (filters, sort, the generations shown), so a link shows
// the same view to a colleague. Changes replace the history entry: a filter typed letter by letter
// is not a trail of pages to go back through.
import { usePathname, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useState } from "react";

export type QueryChange = Record<string, string | string[] | null | undefined>;

/**
 * The page's query string, and a way to replace it. What the page wrote is what it shows at once:
 * Next.js syncs useSearchParams with the history API later (in a transition), and a control drawn
 * from the URL in between (a checkbox just ticked) would show its old state. Once the router has
 * caught up, or the address changed otherwise (back, a link), the URL rules again.
 */
export function useSearch(): [string, (query: string) => void] {
  const params = useSearchParams();
  const pathname = usePathname();
  const fromUrl = params.toString();
  const [written, setWritten] = useState<string | null>(null);
  useEffect(() => setWritten(null), [fromUrl]);
  const write = useCallback(
    (query: string) => {
      // The native history API: Next.js syncs useSearchParams with it, without a server round trip.
      window.history.replaceState(null, "", query ? `${pathname}?${query}` : pathname);
      setWritten(query);
    },
    [pathname],
  );
  return [written ?? fromUrl, write];
}

export function useQueryState(): [URLSearchParams, (change: QueryChange) => void] {
  const [query, write] = useSearch();
  const update = useCallback(
    (change: QueryChange) => {
      const next = new URLSearchParams(window.location.search);
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) continue;
        next.delete(key);
        if (value === null || value === "") continue;
        for (const v of Array.isArray(value) ? value : [value]) next.append(key, v);
      }
      write(next.toString());
    },
    [write],
  );
  return [new URLSearchParams(query), update];
}
