// Coalescing bursts of live messages: a worker fleet can send hundreds of events a second, and
// the views should redraw at most once per frame (the heavy ones a few times a second), not once
// per message.

/** Collects items and hands them over in one batch every `ms`. */
export function batcher<T>(flush: (items: T[]) => void, ms: number): { push(item: T): void; cancel(): void } {
  let items: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    push(item) {
      items.push(item);
      timer ??= setTimeout(() => {
        timer = undefined;
        const batch = items;
        items = [];
        flush(batch);
      }, ms);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      items = [];
    },
  };
}

/**
 * Collects items and hands them over once per animation frame: as soon as the browser can draw
 * them, and never more often than it draws, whatever the rate they arrive at. A hidden tab gets
 * no frames, so a timer flushes there instead (browsers run it at most once a second).
 */
export function frameBatcher<T>(flush: (items: T[]) => void, hiddenMs = 1_000): { push(item: T): void; cancel(): void } {
  let items: T[] = [];
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    if (timer !== undefined) clearTimeout(timer);
    frame = timer = undefined;
  };
  const run = () => {
    stop();
    const batch = items;
    items = [];
    flush(batch);
  };
  return {
    push(item) {
      items.push(item);
      if (frame !== undefined) return;
      frame = requestAnimationFrame(run);
      timer = setTimeout(run, hiddenMs);
    },
    cancel() {
      stop();
      items = [];
    },
  };
}

/**
 * Runs `refetch` at most every `ms`, never two at once and never cancelling one in flight: a
 * request that arrives meanwhile runs once after it lands. (Cancelling and restarting a refetch
 * on every burst of events starves a page whose refetch takes longer than the bursts' interval.)
 */
export function coalescedRefetch(refetch: () => Promise<unknown>, ms: number): { (): void; cancel(): void } {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  let cancelled = false;
  const start = () => {
    timer = undefined;
    inFlight = true;
    again = false;
    last = Date.now();
    refetch()
      .catch(() => {})
      .finally(() => {
        inFlight = false;
        if (again && !cancelled) request();
      });
  };
  const request = () => {
    if (inFlight) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(start, Math.max(0, last + ms - Date.now()));
  };
  request.cancel = () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return request;
}
