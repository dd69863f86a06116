// The Python SDK's tests (sdk/python/tests, `python3 -m unittest`) against the real server,
// as part of `npm test`; they include examples/python run end to end.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const PYTHON = process.env.LINEAGE_TEST_PYTHON ?? "python3";
const CI = process.env.CI === "true" || process.env.CI === "1";

function pythonVersion(): [number, number] | null {
  const probe = spawnSync(PYTHON, ["-c", "import sys; print(sys.version_info[0], sys.version_info[1])"], { encoding: "utf8" });
  if (probe.status !== 0) return null;
  const [major, minor] = probe.stdout.trim().split(" ").map(Number);
  return [major!, minor!];
}

const version = pythonVersion();
const usable = version !== null && (version[0] > 3 || (version[0] === 3 && version[1] >= 9));
if (!usable) console.warn(`Python SDK tests skipped: no Python >= 3.9 as "${PYTHON}" (set LINEAGE_TEST_PYTHON)`);

/** A Python with torch for the optimizer helper's torch test: LINEAGE_TEST_TORCH_PYTHON, or
 * PYTHON, or Debian's /usr/bin/python3 (python3-torch). Torch is optional: none, and it is skipped. */
function torchPython(): string | null {
  const candidates = process.env.LINEAGE_TEST_TORCH_PYTHON ? [process.env.LINEAGE_TEST_TORCH_PYTHON] : [PYTHON, "/usr/bin/python3"];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import sys, torch; sys.exit(0 if sys.version_info >= (3, 9) else 1)"], { encoding: "utf8" });
    if (probe.status === 0) return candidate;
  }
  return null;
}

const TORCH_PYTHON = torchPython();
if (!TORCH_PYTHON)
  console.warn(
    "Python SDK: apply_hyperparameters on real torch optimizers skipped: no Python with torch (set LINEAGE_TEST_TORCH_PYTHON, or install Debian's python3-torch)",
  );

/** Runs a command in its own process group; on timeout the whole group is killed. */
function run(command: string, args: string[], env: Record<string, string>, timeoutMs: number) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(!usable && !CI)("Python SDK (sdk/python)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ testClock: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("python3 -m unittest discover -s sdk/python/tests passes against the real server", async () => {
    expect(usable, `Python >= 3.9 is needed as "${PYTHON}"`).toBe(true);
    const { code, output } = await run(
      PYTHON,
      ["-m", "unittest", "discover", "-s", "sdk/python/tests", "-v"],
      { LINEAGE_URL: server.url, PYTHONDONTWRITEBYTECODE: "1" },
      270_000,
    );
    const summary = output.split("\n").filter((line) => /^(Ran \d+ tests|OK|FAILED|two moons PBT)/.test(line));
    console.log(`Python SDK: ${summary.join("; ")}`);
    if (code !== 0) console.error(`${output}\n--- server output ---\n${server.output()}`);
    expect(code, output).toBe(0);
  }, 300_000);

  it.skipIf(!TORCH_PYTHON)(
    "lineage.apply_hyperparameters on real torch optimizers (sdk/python/tests/test_optimizer.py)",
    async () => {
      const { code, output } = await run(
        TORCH_PYTHON!,
        ["-m", "unittest", "-v", "test_optimizer"],
        { PYTHONPATH: path.join(ROOT, "sdk", "python", "tests"), PYTHONDONTWRITEBYTECODE: "1" },
        120_000,
      );
      if (code !== 0) console.error(output);
      expect(code, output).toBe(0);
      expect(output).not.toMatch(/skipped/);
    },
    150_000,
  );
});
