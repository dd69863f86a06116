import { it } from "vitest";
import { createTestScheduler } from "/work/main/server/scheduler/testing";
it("dbg", async () => {
  const s = await createTestScheduler("pglite");
  await s.create({ name: "pbt", populationSize: 4, stop: { maxGenerations: 5 }, exploit: { kind: "truncate", fraction: 0.5 } });
  for (;;) {
    const a = await s.scheduler.nextJob("pbt", "w");
    if (a.status !== "job") { console.log(a); break; }
    await s.scheduler.completeJob(a.job.id, a.leaseToken, { score: (a.job.hyperparameters.lr as number) });
  }
  const jobs = await s.scheduler.listJobs("pbt");
  for (const j of jobs) console.log(j.id, j.member, j.generation, j.parentId, j.origin, j.donorJobId, j.score);
  await s.close();
}, 60000);
