// The rule of imports as ESLint applies it: paths resolved against the importing file, type-only
// imports told apart from code.
import path from "node:path";
import { RuleTester } from "eslint";
import tseslint from "typescript-eslint";
import { describe, it } from "vitest";
import { boundaries } from "./boundaries.mjs";

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

const table = [
  { from: ["server/pbt"], allow: ["server/pbt"], packages: ["zod"], because: "pure" },
  { from: ["components"], allow: ["components", "server/domain"], allowTypes: ["server"], because: "browser" },
  { from: ["server/scheduler"], deny: ["server/reads", "server/realtime"], allowTypes: ["server/realtime/bus"], because: "write path" },
  { from: ["server"], except: ["server/testing"], deny: ["server/testing"], because: "runtime" },
];
const at = (file: string, code: string) => ({ code, filename: path.join(ROOT, file), options: [table] });
const refused = (file: string, code: string) => ({ ...at(file, code), errors: 1 });

tester.run("boundaries", boundaries, {
  valid: [
    at("server/pbt/decide.ts", `import { z } from "zod"; import { x } from "./rng"; import { y } from "./sub/thing";`),
    at("components/a/b.tsx", `import { jobSchema } from "@/server/domain/job"; import { c } from "../c";`),
    at("components/a.tsx", `import type { AppRouter } from "@/server/api/root";`),
    at("components/a.tsx", `import { type AppRouter } from "../server/api/root";`),
    at("components/a.tsx", `export type { Event } from "../server/domain/event";`),
    at("server/scheduler/deps.ts", `import type { Bus } from "../realtime/bus";`),
    at("server/scheduler/x.ts", `import { thing } from "../db/client";`),
    at("server/testing/helper.ts", `import { waitFor } from "./waitFor";`),
    at("scripts/tool.ts", `import { anything } from "../server/testing/serverProcess";`),
  ],
  invalid: [
    refused("server/pbt/decide.ts", `import { readFileSync } from "node:fs";`),
    refused("server/pbt/decide.ts", `import { x } from "../domain/job";`),
    refused("server/pbt/decide.ts", `import { x } from "@/server/db/client";`),
    refused("components/a.tsx", `import { MAX_BATCH_SIZE } from "@/server/api/limits";`),
    refused("components/a/b.tsx", `import { openDatabase } from "../../server/db/client";`),
    refused("components/a.tsx", `const m = await import("../server/db/client");`),
    refused("components/a.tsx", `export { x } from "../server/reads";`),
    refused("server/scheduler/x.ts", `import { listJobs } from "../reads";`),
    refused("server/scheduler/x.ts", `import type { Page } from "../reads/pages";`),
    refused("server/scheduler/x.ts", `import { createLocalBus } from "../realtime/bus";`),
    refused("server/scheduler/x.ts", `import type { Sockets } from "../realtime/sockets";`),
    refused("server/api/x.ts", `import { startServerProcess } from "../testing/serverProcess";`),
  ],
});
