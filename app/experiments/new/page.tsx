import type { Metadata } from "next";
import { Breadcrumb } from "@/components/breadcrumb";
import { Suspense } from "react";
import { ExperimentForm } from "@/components/experiment-form/experiment-form";

export const metadata: Metadata = { title: "New experiment" };

export default function NewExperimentPage() {
  return (
    <>
      <Breadcrumb />
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">New experiment</h1>
      {/* ?from=NAME clones an experiment; read on the client. */}
      <Suspense fallback={<p className="text-sm text-zinc-500">Loading the form…</p>}>
        <ExperimentForm />
      </Suspense>
    </>
  );
}
