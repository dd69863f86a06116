// Next.js only renders the dashboard. server/main.ts runs it inside the custom HTTP server that
// also serves tRPC (/api/trpc), the worker HTTP API (/api/v1) and socket.io on the same port.

/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // A safety net: app/ and components/ never import these at runtime, but if a server module ever
  // slips into a page's import graph, Node loads them as they are instead of the bundler trying
  // (and failing) to bundle PGlite's WebAssembly or Prisma's runtime.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/client", "@prisma/adapter-pg", "pg"],
  typescript: {
    // `next build` type-checks the project its tsconfig selects. tsconfig.app.json selects the UI
    // (app/, components/) and, through `import type`, the router types it uses; the rest of the
    // repository (server/, sdk/, e2e/, scripts) is checked by `npm run typecheck`, so work in
    // progress there does not break the UI build. Because that file `extends` tsconfig.json,
    // Next.js also leaves both files untouched instead of rewriting them on every build.
    tsconfigPath: "tsconfig.app.json",
  },
};

export default nextConfig;
