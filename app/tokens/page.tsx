import type { Metadata } from "next";
import { TokenManager } from "@/components/tokens/token-manager";

export const metadata: Metadata = { title: "API tokens" };

export default function TokensPage() {
  return (
    <>
      <h1 className="mb-2 text-2xl font-semibold tracking-tight">API tokens</h1>
      <p className="mb-6 max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
        Workers send a token as <code>Authorization: Bearer &lt;token&gt;</code> (<code>LINEAGE_TOKEN</code> for the SDKs and the <code>lineage</code> command
        line). Tokens are stored only as hashes: a new token is shown once.
      </p>
      <TokenManager />
    </>
  );
}
