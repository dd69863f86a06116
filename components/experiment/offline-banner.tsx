// Shown while the live connection is down: the page may be out of date, and the controls that
// need the server are disabled until it is back.
import type { Connection } from "../live/use-experiment-live";

export function OfflineBanner({ connection }: { connection: Connection }) {
  if (connection === "live" || connection === "connecting") return null;
  return (
    <div
      role="status"
      className="sticky top-0 z-20 rounded-md border border-amber-400 bg-amber-50 px-3 py-2 text-sm text-amber-900 shadow-sm dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200"
      data-testid="offline-banner"
    >
      {connection === "offline"
        ? "Connection to the server lost: reconnecting… What you see may be out of date, and the controls are disabled until it is back."
        : "Live updates are unavailable for this experiment; the controls are disabled. Reload the page to try again."}
    </div>
  );
}
