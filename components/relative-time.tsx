"use client";
import { useEffect, useState } from "react";
import { formatAge } from "./format";

/** A timestamp shown as its age, kept current; the exact time is in the tooltip. */
export function RelativeTime({ iso, refreshMs = 10_000 }: { iso: string; refreshMs?: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);
  return (
    // The server's clock and the browser's differ by the time the page took to arrive.
    <time dateTime={iso} title={new Date(iso).toLocaleString()} suppressHydrationWarning>
      {formatAge(iso, now)}
    </time>
  );
}
