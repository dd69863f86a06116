import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { ExperimentList } from "@/components/experiment-list";
import { buttonPrimary } from "@/components/experiment/ui";
import { TableSkeleton } from "@/components/skeleton";
import { compareHref, newExperimentHref } from "@/components/routes";

export const metadata: Metadata = { title: "Experiments" };

export default function ExperimentsPage() {
  return (
    <>
      <div className="mb-6 flex items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Experiments</h1>
        <div className="flex items-center gap-3">
          <Link href={compareHref()} className="rounded text-sm text-emerald-700 underline-offset-2 hover:underline dark:text-emerald-400">
            Compare experiments
          </Link>
          <Link href={newExperimentHref()} className={buttonPrimary}>
            New experiment
          </Link>
        </div>
      </div>
      {/* The filters and the order are read from the URL's query (useSearchParams), on the client. */}
      <Suspense fallback={<TableSkeleton rows={6} />}>
        <ExperimentList />
      </Suspense>
    </>
  );
}
