import type { Metadata } from "next";
import { ExperimentList } from "@/components/experiment-list";

export const metadata: Metadata = { title: "Experiments" };

export default function ExperimentsPage() {
  return (
    <>
      <h1 className="mb-6 text-2xl font-semibold tracking-tight">Experiments</h1>
      <ExperimentList />
    </>
  );
}
