// What a finished PBT run must look like, for tests that run one to the end through the real server.
import { expect } from "vitest";

export interface LineageJob {
  id: number;
  member: number;
  generation: number;
  attempt: number;
  status: string;
  parentId: number | null;
}

/**
 * Every member reached the last generation, every job continues its parent one generation deeper
 * (exploits included), and every crashed job was retried: nothing was lost, whatever the path.
 */
export function expectCompleteLineages(jobs: LineageJob[], populationSize: number, maxGenerations: number) {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (let member = 0; member < populationSize; member++) {
    const own = jobs.filter((j) => j.member === member).sort((a, b) => a.id - b.id);
    expect(own.length, `member ${member} has jobs`).toBeGreaterThan(0);
    const last = own.at(-1)!;
    expect({ member, status: last.status, generation: last.generation }).toEqual({ member, status: "done", generation: maxGenerations - 1 });
  }
  for (const job of jobs) {
    if (job.parentId === null) expect(job.generation, `job ${job.id}`).toBe(0);
    else {
      const parent = byId.get(job.parentId)!;
      expect(parent.status, `parent of job ${job.id}`).toBe("done");
      expect(job.generation, `job ${job.id}`).toBe(parent.generation + 1);
    }
    if (job.status === "crashed") {
      const retry = jobs.find((j) => j.member === job.member && j.parentId === job.parentId && j.attempt === job.attempt + 1 && j.id > job.id);
      expect(retry, `retry of crashed job ${job.id}`).toBeDefined();
    }
    expect(["done", "crashed"], `job ${job.id}`).toContain(job.status);
  }
}
