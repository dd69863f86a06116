import type { Metadata } from "next";
import { Suspense } from "react";
import { AnalysisView } from "@/components/analysis/analysis-view";
import { experimentName, type ExperimentParams } from "../name";

type Props = { params: ExperimentParams };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Analysis · ${await experimentName(params)}` };
}

export default async function AnalysisPage({ params }: Props) {
  const name = await experimentName(params);
  return (
    // The view state is read from the URL's query (useSearchParams), on the client.
    <Suspense fallback={<h1 className="text-2xl font-semibold tracking-tight break-words">{name}</h1>}>
      <AnalysisView key={name} name={name} />
    </Suspense>
  );
}
