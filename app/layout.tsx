import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { SessionGate, SignOutButton } from "@/components/session-gate";
import { Providers } from "@/components/trpc";
import { themeCss } from "@/components/charts/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Lineage", template: "%s · Lineage" },
  description: "Self-hosted Population Based Training server",
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        {/* The charts' colours per colour scheme, from one definition (components/charts/theme.ts). */}
        <style dangerouslySetInnerHTML={{ __html: themeCss() }} />
      </head>
      <body className="min-h-screen bg-white text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:rounded focus:bg-zinc-900 focus:px-3 focus:py-2 focus:text-white dark:focus:bg-zinc-100 dark:focus:text-zinc-900"
        >
          Skip to content
        </a>
        <header className="border-b border-zinc-200 dark:border-zinc-800">
          <div className="site-width mx-auto flex max-w-6xl items-center px-4 py-3">
            <Link
              href="/"
              className="rounded text-lg font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600"
            >
              Lineage
            </Link>
            <nav aria-label="Main" className="ml-auto flex gap-4 text-sm">
              <Link
                href="/"
                className="rounded text-zinc-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:text-zinc-300"
              >
                Experiments
              </Link>
              <Link
                href="/tokens"
                className="rounded text-zinc-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 dark:text-zinc-300"
              >
                API tokens
              </Link>
              <SignOutButton className="rounded text-zinc-700 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 disabled:opacity-50 dark:text-zinc-300" />
            </nav>
          </div>
        </header>
        <Providers>
          <main id="main" className="site-width mx-auto max-w-6xl px-4 py-8">
            <SessionGate>{children}</SessionGate>
          </main>
        </Providers>
      </body>
    </html>
  );
}
