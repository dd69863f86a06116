#!/usr/bin/env node
// The `lineage` command: loads the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
