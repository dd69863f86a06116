import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { ExperimentForm } from "@/components/experiment-form/experiment-form";

export const metadata: Metadata = { title: "New experiment" };

export default function NewExperimentPage() {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link
          href="/"
          className="rounded text-zinc-600 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:text-zinc-400"
        >
          Experiments
        </Link>
      </nav>
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">New experiment</h1>
      {/* ?from=NAME clones an experiment; read on the client. */}
      <Suspense fallback={<p className="text-sm text-zinc-500">Loading the form…</p>}>
        <ExperimentForm />
      </Suspense>
    </>
  );
}
