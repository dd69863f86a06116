import type { Metadata } from "next";
import { Breadcrumb } from "@/components/breadcrumb";
import { Suspense } from "react";
import { ExperimentDashboard } from "@/components/experiment/dashboard";

type Props = { params: Promise<{ name: string }> };

/** The route segment as the experiment's name (`/experiments/<encodeURIComponent(name)>`). */
async function experimentName(params: Props["params"]) {
  const { name } = await params;
  try {
    return decodeURIComponent(name);
  } catch {
    return name; // not percent-encoded after all (e.g. a lone "%"): take it as it is
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: await experimentName(params) };
}

export default async function ExperimentPage({ params }: Props) {
  const name = await experimentName(params);
  return (
    <>
      <Breadcrumb />
      {/* The view state is read from the URL's query (useSearchParams), on the client. */}
      <Suspense fallback={<h1 className="text-2xl font-semibold tracking-tight break-words">{name}</h1>}>
        <ExperimentDashboard key={name} name={name} />
      </Suspense>
    </>
  );
}
