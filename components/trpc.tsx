"use client";
// The tRPC client of the dashboard: typed TanStack Query options for client components, over
// the custom server's /api/trpc (plain JSON, no transformer, so dates arrive as ISO strings).
import { QueryClient, QueryClientProvider, isServer } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpLink, splitLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import type { AppRouter } from "@/server/api/root";
import { MAX_BATCH_SIZE } from "@/server/domain/limits";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // Live data arrives by refetch (and later by socket.io); avoid a refetch on every mount.
      queries: { staleTime: 2_000 },
    },
  });
}

/** The header a cross-site form cannot send (see Providers). */
const CSRF = { "x-lineage-csrf": "1" };

/** Reads whose answers take long to compute: each is sent alone (see Providers). */
const HEAVY_READS = new Set(["dashboard.curves", "analysis.experiment", "analysis.compare"]);

let browserQueryClient: QueryClient | undefined;

function getQueryClient() {
  // A server render gets its own cache so two visitors never share one. In the browser, keep a
  // single cache even if React throws away the first render while it suspends.
  if (isServer) return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function Providers({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      // The header a cross-site form cannot send: the server requires it on changes made with
      // the browser's session cookie (when access control is on).
      // The heavy reads (curves, analysis) go on their own request: in a batch, the light ones
      // asked at the same moment (the overview the tree and the table need) would wait for them.
      links: [
        splitLink({
          condition: (op) => HEAVY_READS.has(op.path),
          true: httpLink({ url: "/api/trpc", headers: CSRF }),
          false: httpBatchLink({ url: "/api/trpc", headers: CSRF, maxItems: MAX_BATCH_SIZE }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
