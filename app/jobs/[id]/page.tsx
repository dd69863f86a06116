import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { JobDetail } from "@/components/job/job-detail";
import { Loading, Skeleton } from "@/components/skeleton";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  return { title: `Job ${id}` };
}

export default async function JobPage({ params }: Props) {
  const { id } = await params;
  if (!/^\d{1,10}$/.test(id) || Number(id) < 1 || Number(id) > 2 ** 31 - 1) notFound();
  // The metric shown is read from the URL's query (useSearchParams), on the client. No heading
  // until the job is loaded: the page's heading says the job is there.
  return (
    <Suspense
      fallback={
        <Loading label={`Loading job ${id}…`}>
          <Skeleton className="h-64 w-full" />
        </Loading>
      }
    >
      <JobDetail id={Number(id)} />
    </Suspense>
  );
}
