import type { Metadata } from "next";
import Link from "next/link";
import { ExperimentList } from "@/components/experiment-list";
import { buttonPrimary } from "@/components/experiment/ui";
import { newExperimentHref } from "@/components/routes";

export const metadata: Metadata = { title: "Experiments" };

export default function ExperimentsPage() {
  return (
    <>
      <div className="mb-6 flex items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Experiments</h1>
        <Link href={newExperimentHref()} className={buttonPrimary}>
          New experiment
        </Link>
      </div>
      <ExperimentList />
    </>
  );
}
