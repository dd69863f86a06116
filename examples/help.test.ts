// Every example script (and the demo) answers --help with its usage, and refuses an unknown option
// with it, rather than a stack trace.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const SCRIPTS = ["examples/toy/run.ts", "examples/toy/worker.ts", "examples/mnist/worker.ts", "scripts/demo.ts"];
const PYTHON_SCRIPTS = ["examples/python/run.py", "examples/python/worker.py"];
const python = spawnSync("python3", ["--version"]).status === 0;

const run = (command: string, args: string[]) =>
  spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, NODE_OPTIONS: "" } });

describe("example scripts", () => {
  it.each(SCRIPTS)("%s --help prints its usage", (script) => {
    const answer = run(process.execPath, ["--import", "tsx", script, "--help"]);
    expect(answer.status, answer.stderr).toBe(0);
    expect(answer.stdout).toMatch(/^usage: /);
    expect(answer.stderr).not.toMatch(/\n\s+at /);
    const wrong = run(process.execPath, ["--import", "tsx", script, "--no-such-option"]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("usage: ");
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  it.skipIf(!python).each(PYTHON_SCRIPTS)("%s --help prints its usage", (script) => {
    const answer = run("python3", [script, "--help"]);
    expect(answer.status, answer.stderr).toBe(0);
    expect(answer.stdout).toMatch(/^usage: /);
  });
});
