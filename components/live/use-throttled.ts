"use client";
import { useEffect, useRef, useState } from "react";

/**
 * `value`, passed on at most every `ms` (the latest one, at the end of each interval): for the
 * heavy panels (charts, the table), which need not redraw at the rate of the live updates.
 * A value whose `kind` differs from the shown one's is passed on at once: a first load, or what
 * the user just asked for.
 */
export function useThrottled<T>(value: T, ms: number, kind: (value: T) => unknown = () => null): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  if (!Object.is(value, shown) && kind(value) !== kind(shown)) {
    // Setting state while rendering: React renders again with it at once, before committing.
    last.current = Date.now();
    setShown(value);
  }
  useEffect(() => {
    if (Object.is(value, shown)) return;
    // Rescheduled on every new value, for the same moment: the interval's end.
    const timer = setTimeout(
      () => {
        last.current = Date.now();
        setShown(value);
      },
      Math.max(0, last.current + ms - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [value, shown, ms]);
  return shown;
}
