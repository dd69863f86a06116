// prisma/migrations must hold everything prisma/schema.prisma says: whoever edits the schema
// also runs `npm run db:migration -- <name>`. This test fails until they do.
import fs from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { diffMigrationsToSchema, MIGRATIONS_DIR, SCHEMA_PATH } from "../../scripts/schemaEngine";
import { readMigrationsFolder } from "./migrate";

describe("migrations vs schema.prisma", () => {
  it("prisma/migrations has a migration_lock.toml for PostgreSQL", async () => {
    const lock = await fs.readFile(`${MIGRATIONS_DIR}/migration_lock.toml`, "utf8");
    expect(lock).toMatch(/provider\s*=\s*"postgresql"/);
  });

  it("applying every migration yields exactly schema.prisma (no drift)", async () => {
    const sql = await diffMigrationsToSchema();
    expect(sql, "prisma/schema.prisma differs from prisma/migrations: run `npm run db:migration -- <name>` and commit the new migration").toBe("");
  });

  it("notices a schema change that has no migration", async () => {
    const content = await fs.readFile(SCHEMA_PATH, "utf8");
    const edited = content.replace(/(model Experiment \{\n)/, "$1  description String?\n");
    expect(edited).not.toBe(content);
    const sql = await diffMigrationsToSchema({ schema: { path: SCHEMA_PATH, content: edited } });
    expect(sql).toContain('ALTER TABLE "Experiment" ADD COLUMN     "description" TEXT');
  });

  it("notices a migration that is missing", async () => {
    const migrations = await readMigrationsFolder();
    const sql = await diffMigrationsToSchema({ migrations: migrations.slice(0, -1) });
    expect(sql).not.toBe("");
  });

  it("fails loudly on a migration that does not apply (not a silent empty diff)", async () => {
    // pglite-prisma-adapter 0.7.2 does not await scripts; schemaEngine.ts works around it.
    const migrations = await readMigrationsFolder();
    const broken = [...migrations, { name: "29991231235959_broken", sql: "CREATE TABLEX oops;", checksum: "" }];
    await expect(diffMigrationsToSchema({ migrations: broken })).rejects.toThrow(
      /29991231235959_broken` failed to apply cleanly to the shadow database[\s\S]*TABLEX/,
    );
  });
});
