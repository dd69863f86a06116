// Downloads: every job as CSV or JSON, and the best schedule as JSON (served by the HTTP API).
import { experimentApiPath } from "../routes";
import { button, sectionHeading } from "./ui";

export function Exports({ name }: { name: string }) {
  const base = experimentApiPath(name);
  const stem = name.replace(/[^\p{L}\p{N}._-]+/gu, "_").slice(0, 100) || "experiment";
  return (
    <div className="space-y-3">
      <h2 id="exports-heading" className={sectionHeading}>
        Exports
      </h2>
      <ul className="flex flex-col items-start gap-2">
        <li>
          <a className={button} href={`${base}/export?format=csv`} download>
            All jobs (CSV)
          </a>
        </li>
        <li>
          <a className={button} href={`${base}/export?format=json`} download>
            All jobs (JSON)
          </a>
        </li>
        <li>
          <a className={button} href={`${base}/schedule`} download={`${stem}-best-schedule.json`}>
            Best schedule (JSON)
          </a>
        </li>
      </ul>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        The best schedule lists the hyperparameters along the best job&apos;s ancestry, generation 0 first; &ldquo;Replay the best schedule&rdquo; above
        retrains along it, and <code>lineage replay NEW --file</code> replays the file on any server.
      </p>
    </div>
  );
}
