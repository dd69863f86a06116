// The paper's toy problem end to end: the real server, several worker processes, real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../../server/testing/serverProcess";
import { expectCompleteLineages, type LineageJob } from "../../server/testing/lineages";
import { runToy } from "./run";

describe("toy problem (Jaderberg et al. 2017, Fig. 2)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("PBT gets close to the optimum Q = 1.2 while grid search (fixed h) stalls near 0.39", async () => {
    const [pbt, grid] = await Promise.all([
      runToy({ url: server.url, name: "toy PBT", pbt: true, workers: 3, seed: 1 }),
      runToy({ url: server.url, name: "toy grid", pbt: false, workers: 2, seed: 1 }),
    ]);
    console.log(`toy: PBT best Q = ${pbt.bestQ.toFixed(4)}, grid search best Q = ${grid.bestQ.toFixed(4)}`);
    expect(pbt.bestQ).toBeGreaterThan(1.15);
    expect(grid.bestQ).toBeGreaterThan(0.37);
    expect(grid.bestQ).toBeLessThan(0.4);
    // PBT really exploited and explored; grid search never did.
    expect(pbt.jobs.some((j) => j.generation > 0 && (j as { origin?: string }).origin === "exploit")).toBe(true);
    expect(grid.jobs.every((j) => (j as { origin?: string }).origin !== "exploit")).toBe(true);
    // Both members reached generation 39 along their lineages; grid search's lineages are its members' own.
    for (const run of [pbt, grid]) expectCompleteLineages(run.jobs as unknown as LineageJob[], 2, 40);
    for (const member of [0, 1]) expect(grid.jobs.filter((j) => j.member === member).map((j) => j.generation)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 180_000);
});
