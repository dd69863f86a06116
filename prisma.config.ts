// Prisma CLI configuration. Only `prisma generate` is used: migrations are generated and
// applied offline by scripts/migrations.ts and server/db/migrate.ts (see README).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
