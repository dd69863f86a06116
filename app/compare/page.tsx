import type { Metadata } from "next";
import { Suspense } from "react";
import { CompareView } from "@/components/compare/compare-view";

export const metadata: Metadata = { title: "Compare experiments" };

export default function ComparePage() {
  return (
    // The experiments compared are read from the URL's query (useSearchParams), on the client.
    <Suspense fallback={<h1 className="text-2xl font-semibold tracking-tight">Compare experiments</h1>}>
      <CompareView />
    </Suspense>
  );
}
