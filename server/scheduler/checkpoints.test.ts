// Checkpoints on the write path, on both databases: uploads recorded only under a live lease, and
// garbage collection by lineage driven through whole PBT runs with workers interleaved at random
// (fast-check): no checkpoint a later job loads is ever deleted, and the rest are.
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../testing/databases";
import { getJob, listEvents } from "../reads";
import { bestCheckpoint, parentCheckpoint } from "../reads/checkpoints";
import { experimentPrefix } from "../checkpoints/store";
import { claim, createTestScheduler, type TestScheduler } from "../testing/testScheduler";

async function bytesOf(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const contentOf = (jobId: number) => Buffer.from(`weights of job ${jobId} `.repeat(20));

describeEachDatabase("scheduler: checkpoints", (kind) => {
  let s: TestScheduler;
  beforeAll(async () => {
    s = await createTestScheduler(kind, { maxCheckpointBytes: 1000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  const upload = (jobId: number, leaseToken: string, bytes: Buffer, sha256?: string) =>
    s.scheduler.uploadCheckpoint(jobId, leaseToken, Readable.from([bytes]), sha256);

  async function storedKeys(experimentId: number): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of s.checkpoints.list(experimentPrefix(experimentId))) keys.push(o.key);
    return keys.sort();
  }

  it("stores an upload while the lease holds; refuses one without it, over the limit or with a wrong checksum, storing nothing", async () => {
    const experiment = await s.create({ name: "uploads", populationSize: 2 });
    const a = await claim(s, "uploads");
    const b = await claim(s, "uploads");
    const refusals = [
      [() => upload(a.job.id, b.leaseToken, contentOf(1)), "lease_invalid"],
      [() => upload(a.job.id, "not-a-lease", contentOf(1)), "lease_invalid"],
      [() => upload(999_999, a.leaseToken, contentOf(1)), "job_not_found"],
      [() => upload(a.job.id, a.leaseToken, Buffer.alloc(1001)), "body_too_large"],
      [() => upload(a.job.id, a.leaseToken, contentOf(1), "0".repeat(64)), "checksum_mismatch"],
    ] as const;
    for (const [call, code] of refusals) await expect(call()).rejects.toMatchObject({ code });
    expect(await storedKeys(experiment.id)).toEqual([]);
    expect((await getJob(s.scheduler.deps, a.job.id)).checkpoint).toBeNull();

    const first = await upload(a.job.id, a.leaseToken, Buffer.from("first"));
    const job = await upload(a.job.id, a.leaseToken, contentOf(a.job.id));
    expect(first.checkpoint).toMatchObject({ size: 5 });
    expect(job.checkpoint).toMatchObject({ size: contentOf(a.job.id).length, pinned: false, deletedAt: null });
    // Uploading again replaced the first one: one object in the store.
    expect(await storedKeys(experiment.id)).toHaveLength(1);
    const events = (await listEvents(s.scheduler.deps, "uploads", 0)).filter((e) => e.type === "checkpoint.stored");
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ size: 5, replaced: false }),
      expect.objectContaining({ size: contentOf(a.job.id).length, replaced: true, sha256: job.checkpoint!.sha256 }),
    ]);

    // A finished job's lease is over: no upload any more.
    await s.scheduler.completeJob(a.job.id, a.leaseToken, { score: 1 });
    await expect(upload(a.job.id, a.leaseToken, contentOf(2))).rejects.toMatchObject({ code: "lease_invalid", message: expect.stringMatching(/is done/) });
    expect(await storedKeys(experiment.id)).toHaveLength(1);
  });

  it("garbage collection by lineage never deletes a checkpoint a later job loads, and keeps few", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          populationSize: fc.integer({ min: 2, max: 5 }),
          maxGenerations: fc.integer({ min: 2, max: 6 }),
          mode: fc.constantFrom("async", "sync"),
          syncQuorum: fc.constantFrom(1, 0.5),
          workers: fc.integer({ min: 1, max: 4 }),
          retain: fc.constantFrom("needed", "needed", "all"),
          keepLast: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
          steps: fc.array(fc.record({ pick: fc.nat(), crash: fc.boolean(), score: fc.double({ min: 0, max: 1, noNaN: true }), collect: fc.boolean() }), {
            minLength: 50,
            maxLength: 50,
          }),
        }),
        async (p) => {
          fc.pre(p.mode === "sync" || p.syncQuorum === 1);
          const name = `gc ${kind} ${run++}`;
          const experiment = await s.create({
            name,
            populationSize: p.populationSize,
            stop: { maxGenerations: p.maxGenerations },
            mode: p.mode,
            syncQuorum: p.syncQuorum,
            maxRetries: 1,
            checkpoints: { retain: p.retain, keepLast: p.keepLast },
          });
          type Held = { id: number; parentId: number | null; leaseToken: string; stage: "claimed" | "loaded" | "uploaded" };
          const held: Held[] = [];
          let uploads = 0;
          let peak = 0;
          for (let i = 0; i < 3000; i++) {
            const step = p.steps[i % p.steps.length]!;
            const canClaim = held.length < p.workers;
            const pick = step.pick % (held.length + (canClaim ? 1 : 0));
            if (pick === held.length) {
              const answer = await s.scheduler.nextJob(name, `w${pick}`);
              if (answer.status === "done") break;
              if (answer.status === "wait") {
                if (held.length === 0) throw new Error(`nothing in flight, yet told to wait: ${answer.reason}`);
                continue;
              }
              held.push({ id: answer.job.id, parentId: answer.job.parentId, leaseToken: answer.leaseToken, stage: "claimed" });
              continue;
            }
            const job = held[pick]!;
            if (job.stage === "claimed") {
              // The worker loads what it continues from: it must be there, byte for byte.
              if (job.parentId !== null) {
                const file = await parentCheckpoint(s.scheduler.deps, s.checkpoints, job.id);
                expect(await bytesOf(file.body)).toEqual(contentOf(job.parentId));
              }
              job.stage = "loaded";
            } else if (job.stage === "loaded") {
              if (step.crash && step.score < 0.3) {
                await s.scheduler.failJob(job.id, job.leaseToken, "boom");
                held.splice(pick, 1);
              } else {
                await upload(job.id, job.leaseToken, contentOf(job.id));
                uploads++;
                job.stage = "uploaded";
              }
            } else {
              await s.scheduler.completeJob(job.id, job.leaseToken, { score: step.score });
              held.splice(pick, 1);
              if (step.collect) await s.scheduler.checkpointsSettled();
            }
            await s.scheduler.checkpointsSettled();
            const stored = (await storedKeys(experiment.id)).length;
            peak = Math.max(peak, stored);
          }
          await s.scheduler.checkpointsSettled();
          const keys = await storedKeys(experiment.id);
          const rows = await s.database.prisma.job.findMany({
            where: { experimentId: experiment.id, checkpointKey: { not: null } },
            select: { checkpointKey: true },
          });
          // The store holds exactly what the rows name.
          expect(keys).toEqual(rows.map((r) => r.checkpointKey!).sort());
          if (p.retain === "all") {
            expect(keys).toHaveLength(uploads);
          } else {
            // Each member's latest, the parents and uploads of the jobs in flight, the best: not one per job.
            expect(peak).toBeLessThanOrEqual(p.populationSize * (2 + (p.keepLast ?? 0)) + p.workers + 1);
          }
          // The best job's checkpoint outlives the run.
          // (Unless no job finished with a score: a run cut short by crashes.)
          const best = await bestCheckpoint(s.scheduler.deps, s.checkpoints, name).catch((e: { code?: string }) => e.code);
          if (typeof best === "object") expect(await bytesOf(best.body)).toEqual(contentOf(best.jobId));
          else expect(await s.database.prisma.job.count({ where: { experimentId: experiment.id, status: "done" } })).toBe(0);
          // Drain what is still in flight, so the next run starts clean.
          for (const job of held) await s.scheduler.failJob(job.id, job.leaseToken, "end of the run").catch(() => undefined);
        },
      ),
      { numRuns: kind === "pglite" ? 12 : 6, seed: 20261130 },
    );
  });

  it("sync mode keeps a generation's checkpoints until a straggler has been ranked on it", async () => {
    // Quorum 1 of 2: member 0 moves on while member 1 still trains generation 0; member 1, the
    // worse, is then decided on generation 0's results and copies member 0's generation-0 job.
    await s.create({
      name: "straggler",
      populationSize: 2,
      stop: { maxGenerations: 4 },
      mode: "sync",
      syncQuorum: 0.5,
      exploit: { kind: "truncate", fraction: 0.5 },
    });
    const a0 = await claim(s, "straggler");
    const b0 = await claim(s, "straggler");
    await upload(a0.job.id, a0.leaseToken, contentOf(a0.job.id));
    await s.scheduler.completeJob(a0.job.id, a0.leaseToken, { score: 1 });
    const a1 = await claim(s, "straggler");
    expect(a1.job).toMatchObject({ member: 0, generation: 1, parentId: a0.job.id });
    await upload(a1.job.id, a1.leaseToken, contentOf(a1.job.id));
    await s.scheduler.completeJob(a1.job.id, a1.leaseToken, { score: 2 });
    await s.scheduler.checkpointsSettled();
    await upload(b0.job.id, b0.leaseToken, contentOf(b0.job.id));
    await s.scheduler.completeJob(b0.job.id, b0.leaseToken, { score: 0 });
    await s.scheduler.checkpointsSettled();
    const b1 = await claim(s, "straggler");
    expect(b1.job).toMatchObject({ member: 1, origin: "exploit", parentId: a0.job.id });
    const file = await parentCheckpoint(s.scheduler.deps, s.checkpoints, b1.job.id);
    expect(await bytesOf(file.body)).toEqual(contentOf(a0.job.id));
  });

  it("keeps a pinned checkpoint; deleting the experiment deletes its files", async () => {
    const experiment = await s.create({ name: "pins", populationSize: 1, stop: { maxGenerations: 4 } });
    const ids: number[] = [];
    for (let g = 0; g < 4; g++) {
      const { job, leaseToken } = await claim(s, "pins");
      await upload(job.id, leaseToken, contentOf(job.id));
      if (g === 0) await s.scheduler.setCheckpointPinned(job.id, true);
      await s.scheduler.completeJob(job.id, leaseToken, { score: g === 1 ? 10 : g });
      ids.push(job.id);
    }
    await s.scheduler.checkpointsSettled();
    // Pinned (generation 0), best (generation 1, score 10), the member's latest (generation 3).
    const kept = await s.database.prisma.job.findMany({ where: { experimentId: experiment.id, checkpointKey: { not: null } }, orderBy: { id: "asc" } });
    expect(kept.map((j) => j.id)).toEqual([ids[0], ids[1], ids[3]]);
    const deleted = await getJob(s.scheduler.deps, ids[2]!);
    expect(deleted.checkpoint).toMatchObject({ size: contentOf(ids[2]!).length, deletedAt: expect.any(String) });
    await expect(s.scheduler.setCheckpointPinned(ids[2]!, true)).rejects.toMatchObject({
      code: "checkpoint_not_found",
      message: expect.stringMatching(/deleted .* by garbage collection/),
    });
    // Unpinned, generation 0 is garbage.
    await s.scheduler.setCheckpointPinned(ids[0]!, false);
    await s.scheduler.checkpointsSettled();
    expect(await storedKeys(experiment.id)).toHaveLength(2);
    const freed = await s.database.prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
    expect(freed).toMatchObject({ checkpointsStored: 2, checkpointsDeleted: 2 });
    expect(Number(freed.checkpointBytesFreed)).toBe(contentOf(ids[0]!).length + contentOf(ids[2]!).length);

    await s.scheduler.deleteExperiment("pins");
    expect(await storedKeys(experiment.id)).toEqual([]);
  });

  it("a fork pins its source's checkpoint, its members load it, and a deleted one is refused", async () => {
    await s.create({ name: "fork source", populationSize: 1, stop: { maxGenerations: 4 } });
    const ids: number[] = [];
    for (let g = 0; g < 3; g++) {
      const { job, leaseToken } = await claim(s, "fork source");
      await upload(job.id, leaseToken, contentOf(job.id));
      await s.scheduler.completeJob(job.id, leaseToken, { score: 10 - g });
      ids.push(job.id);
    }
    await s.scheduler.checkpointsSettled();
    // Generation 1 is neither the best (generation 0) nor the member's latest: collected.
    expect((await getJob(s.scheduler.deps, ids[1]!)).checkpoint).toMatchObject({ deletedAt: expect.any(String) });
    await expect(s.create({ name: "fork of deleted", stop: { maxGenerations: 6 }, fork: { jobId: ids[1]! } })).rejects.toMatchObject({
      code: "invalid_state",
      issues: [expect.objectContaining({ field: "fork.jobId" })],
    });
    // A name already taken: the fork is refused and the pin undone.
    await expect(s.create({ name: "fork source", stop: { maxGenerations: 6 }, fork: { jobId: ids[2]! } })).rejects.toMatchObject({ code: "experiment_exists" });
    expect((await getJob(s.scheduler.deps, ids[2]!)).checkpoint).toMatchObject({ pinned: false });

    await s.create({ name: "fork", populationSize: 2, stop: { maxGenerations: 6 }, fork: { jobId: ids[2]! } });
    expect((await getJob(s.scheduler.deps, ids[2]!)).checkpoint).toMatchObject({ pinned: true, deletedAt: null });
    // The source carries on past the forked job: its collection keeps the pinned one.
    const next = await claim(s, "fork source");
    await upload(next.job.id, next.leaseToken, contentOf(next.job.id));
    await s.scheduler.completeJob(next.job.id, next.leaseToken, { score: 1 });
    await s.scheduler.checkpointsSettled();
    for (let i = 0; i < 2; i++) {
      const { job } = await claim(s, "fork");
      expect(job).toMatchObject({ origin: "fork", parentId: ids[2] });
      expect(await bytesOf((await parentCheckpoint(s.scheduler.deps, s.checkpoints, job.id)).body)).toEqual(contentOf(ids[2]!));
    }
  });

  it("sweeps objects no job names once they are old enough", async () => {
    await s.checkpoints.write("experiments/424242/jobs/1/orphan.ckpt", Readable.from([Buffer.from("left by a killed server")]));
    expect(await s.scheduler.sweepOrphanCheckpoints(new Date(Date.now() - 60_000))).toBe(0);
    expect(await s.scheduler.sweepOrphanCheckpoints(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await storedKeys(424242)).toEqual([]);
  });
});
