// The way back from a page to the experiments (and, from a job, to its experiment).
import Link from "next/link";
import { link } from "./experiment/ui";
import { experimentHref } from "./routes";

export function Breadcrumb({ experiment }: { experiment?: string }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm text-zinc-600 dark:text-zinc-400">
      <Link href="/" className={link}>
        Experiments
      </Link>
      {experiment !== undefined && (
        <>
          {" / "}
          <Link href={experimentHref(experiment)} className={link}>
            {experiment}
          </Link>
        </>
      )}
    </nav>
  );
}
