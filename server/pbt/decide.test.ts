import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  experimentConfigSchema,
  type ExperimentConfig,
  type ExperimentConfigInput,
  type Hyperparameters,
  type JobStatus,
} from "./config";
import { decideNext, type Decision, type MemberState, type PopulationState } from "./decide";
import { sample } from "./distributions";
import { chooseDonor } from "./exploit";
import { explore } from "./explore";
import { initialHyperparameters } from "./member";
import { rngFor } from "./rng";

const hyperparameters = {
  lr: { init: { kind: "loguniform", low: 1e-4, high: 1e-1 }, explore: { kind: "perturb" } },
  batch: { init: { kind: "choice", values: [16, 32, 64] }, explore: { kind: "shift" } },
  layers: { init: { kind: "int", low: 1, high: 8 }, explore: { kind: "resample", probability: 0.25 } },
  optimizer: { init: { kind: "const", value: "adam" } },
} satisfies ExperimentConfigInput["hyperparameters"];

function configOf(overrides: Partial<ExperimentConfigInput> = {}, seed = 1): ExperimentConfig {
  const parsed = experimentConfigSchema.parse({
    name: "test",
    metric: "accuracy",
    populationSize: 4,
    stop: { maxGenerations: 5 },
    hyperparameters,
    ...overrides,
  });
  return { ...parsed, seed };
}

/** Distinct, readable job ids: member 2, generation 3, attempt 1 → 2031. */
const jobId = (member: number, generation: number, attempt = 0) => member * 1000 + generation * 10 + attempt;

const hpOf = (member: number): Hyperparameters => ({ lr: 0.001 * (member + 1), batch: 32, layers: 4, optimizer: "adam" });

/** A member whose latest job (generation `generation`) is done. */
function done(member: number, generation: number, score: number, finishedAt = 1000 + member): MemberState {
  const hp = hpOf(member);
  return {
    member,
    latest: { jobId: jobId(member, generation), generation, attempt: 0, status: "done", hyperparameters: hp, finishedAt },
    lastDone: { jobId: jobId(member, generation), generation, hyperparameters: hp, score },
  };
}

/** A member whose latest job is generation `generation` in `status`, after `previousScore` at generation - 1. */
function inFlight(
  member: number,
  generation: number,
  status: JobStatus,
  previousScore: number | null,
  attempt = 0,
): MemberState {
  const hp = hpOf(member);
  return {
    member,
    latest: { jobId: jobId(member, generation, attempt), generation, attempt, status, hyperparameters: hp, finishedAt: null },
    lastDone:
      previousScore === null ? null : { jobId: jobId(member, generation - 1), generation: generation - 1, hyperparameters: hp, score: previousScore },
  };
}

const state = (config: ExperimentConfig, members: MemberState[]): PopulationState => ({ config, members });

function expectNextGeneration(decision: Decision): Extract<Decision, { kind: "next-generation" }> {
  expect(decision.kind).toBe("next-generation");
  if (decision.kind !== "next-generation") throw new Error("unreachable");
  return decision;
}

describe("decideNext: new members (case 2)", () => {
  it("creates member 0 in an empty experiment, sampled from the initial distributions", () => {
    const config = configOf();
    const decision = decideNext(state(config, []));
    expect(decision).toEqual({ kind: "new-member", member: 0, hyperparameters: initialHyperparameters(config.hyperparameters, 1, 0) });
    if (decision.kind !== "new-member") throw new Error("unreachable");
    const hp = decision.hyperparameters;
    expect(hp.lr).toBeGreaterThanOrEqual(1e-4);
    expect(hp.lr).toBeLessThanOrEqual(1e-1);
    expect([16, 32, 64]).toContain(hp.batch);
    expect(Number.isInteger(hp.layers)).toBe(true);
    expect(hp.optimizer).toBe("adam");
  });

  it("samples each parameter in sorted name order from the member's own init stream", () => {
    const config = configOf();
    const rng = rngFor(config.seed, "init", 2);
    // Sorted: batch, layers, lr, optimizer.
    const expected = {
      batch: sample(hyperparameters.batch.init, rng),
      layers: sample(hyperparameters.layers.init, rng),
      lr: sample(hyperparameters.lr.init, rng),
      optimizer: sample(hyperparameters.optimizer.init, rng),
    };
    expect(decideNext(state(config, [done(0, 0, 0.5), done(1, 0, 0.5), done(3, 0, 0.5)]))).toEqual({
      kind: "new-member",
      member: 2,
      hyperparameters: expected,
    });
  });

  it("fills the smallest unused index, before any ready member moves on", () => {
    const config = configOf();
    expect(decideNext(state(config, [done(0, 0, 0.1), done(2, 0, 0.9)]))).toMatchObject({ kind: "new-member", member: 1 });
  });

  it("gives a member the same initial values whenever it is created", () => {
    const config = configOf();
    const first = decideNext(state(config, [done(0, 0, 0.1), done(2, 0, 0.9), done(3, 0, 0.3)]));
    const later = decideNext(state(config, [done(0, 3, 0.1), done(2, 4, 0.9), done(3, 1, 0.3)]));
    expect(first).toEqual(later);
  });

  it("gives different members different initial values", () => {
    const config = configOf();
    const a = initialHyperparameters(config.hyperparameters, config.seed, 0);
    const b = initialHyperparameters(config.hyperparameters, config.seed, 1);
    expect(a.lr).not.toBe(b.lr);
  });

  it("fills the population in sync mode too", () => {
    const config = configOf({ mode: "sync" });
    expect(decideNext(state(config, [done(0, 0, 0.1)]))).toMatchObject({ kind: "new-member", member: 1 });
  });
});

describe("decideNext: next generation (case 3)", () => {
  // Ten members, scores 0 .. 0.9; truncate(0.2) gives q = 2: members 0 and 1 are the bottom.
  const ten = (finishedAt: (m: number) => number) =>
    Array.from({ length: 10 }, (_, m) => done(m, 0, m / 10, finishedAt(m)));

  it("lets a bottom-quantile member exploit a top member and explores the donor's values", () => {
    const config = configOf({ populationSize: 10 });
    // Member 0 finished first, so it is the one that waited longest.
    const decision = expectNextGeneration(decideNext(state(config, ten((m) => 1000 + m))));
    expect(decision.member).toBe(0);
    expect(decision.generation).toBe(1);
    expect(decision.origin).toBe("exploit");
    expect([8, 9]).toContain(decision.donor?.member);
    const donor = decision.donor!.member;
    expect(decision.donor).toEqual({ member: donor, jobId: jobId(donor, 0) });
    expect(decision.parentJobId).toBe(jobId(donor, 0));
    const expected = explore(config.hyperparameters, hpOf(donor), rngFor(config.seed, "explore", 0, 1));
    expect(decision.hyperparameters).toEqual(expected.hyperparameters);
    expect(decision.mutations).toEqual(expected.mutations);
    expect(decision.mutations.map((m) => m.parameter)).toEqual(["batch", "layers", "lr"]);
    expect(decision.hyperparameters.optimizer).toBe("adam");
  });

  it("draws the donor from the decision's own exploit stream (seed, member, next generation)", () => {
    const contenders = Array.from({ length: 10 }, (_, m) => ({ member: m, score: m / 10, exhausted: false }));
    const donors = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const config = configOf({ populationSize: 10 }, seed);
      const members = Array.from({ length: 10 }, (_, m) => done(m, 2, m / 10, 1000 + m));
      const decision = expectNextGeneration(decideNext(state(config, members)));
      const expected = chooseDonor(config.exploit, "maximize", 0, contenders, rngFor(seed, "exploit", 0, 3));
      expect(decision.donor?.member).toBe(expected);
      donors.add(expected!);
    }
    expect(donors.size).toBe(2);
  });

  it("lets a member outside the bottom quantile continue unchanged from its own job", () => {
    const config = configOf({ populationSize: 10 });
    // Member 5 (middle) waited longest.
    const decision = expectNextGeneration(decideNext(state(config, ten((m) => (m === 5 ? 10 : 1000 + m)))));
    expect(decision).toEqual({
      kind: "next-generation",
      member: 5,
      generation: 1,
      parentJobId: jobId(5, 0),
      origin: "continue",
      donor: null,
      hyperparameters: hpOf(5),
      mutations: [],
    });
  });

  it("takes the member that has waited longest, ties broken by member index", () => {
    const config = configOf({ exploit: { kind: "none" } });
    const members = [done(0, 0, 0.5, 300), done(1, 0, 0.5, 100), done(2, 0, 0.5, 200), done(3, 0, 0.5, 100)];
    expect(decideNext(state(config, members))).toMatchObject({ member: 1 });
    const withoutOne = [done(0, 0, 0.5, 300), inFlight(1, 1, "running", 0.5), done(2, 0, 0.5, 200), done(3, 0, 0.5, 100)];
    expect(decideNext(state(config, withoutOne))).toMatchObject({ member: 3 });
  });

  it("moves a ready member on in async mode while others are still training", () => {
    const config = configOf({ exploit: { kind: "none" } });
    const members = [inFlight(0, 0, "running", null), done(1, 2, 0.5), inFlight(2, 1, "queued", 0.5), inFlight(3, 0, "running", null)];
    expect(decideNext(state(config, members))).toMatchObject({ kind: "next-generation", member: 1, generation: 3 });
  });

  it("explores a member's own values when the exploit strategy is none", () => {
    const config = configOf({ exploit: { kind: "none" } });
    const members = [done(0, 1, 0.1, 1), done(1, 1, 0.9, 2), done(2, 1, 0.5, 3), done(3, 1, 0.7, 4)];
    const decision = expectNextGeneration(decideNext(state(config, members)));
    const expected = explore(config.hyperparameters, hpOf(0), rngFor(config.seed, "explore", 0, 2));
    expect(decision).toEqual({
      kind: "next-generation",
      member: 0,
      generation: 2,
      parentJobId: jobId(0, 1),
      origin: "continue",
      donor: null,
      hyperparameters: expected.hyperparameters,
      mutations: expected.mutations,
    });
    expect(decision.mutations).toHaveLength(3);
  });

  it("plays a tournament: a member copies only an opponent that scores better", () => {
    const config = configOf({ exploit: { kind: "tournament" } });
    // Member 0 is the worst: whoever it meets is better, so it always exploits.
    const worst = [done(0, 0, 0.1, 1), done(1, 0, 0.9, 2), done(2, 0, 0.5, 3), done(3, 0, 0.7, 4)];
    for (let seed = 0; seed < 20; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...config, seed }, worst)));
      expect(decision.origin).toBe("exploit");
      expect([1, 2, 3]).toContain(decision.donor?.member);
    }
    // Member 1 is the best: it never finds a better opponent.
    const best = [done(0, 0, 0.1, 9), done(1, 0, 0.9, 1), done(2, 0, 0.5, 9), done(3, 0, 0.7, 9)];
    for (let seed = 0; seed < 20; seed++) {
      expect(decideNext(state({ ...config, seed }, best))).toMatchObject({ member: 1, origin: "continue", mutations: [] });
    }
  });

  it("never takes an exhausted member as a donor, even with the best score", () => {
    const config = configOf({ populationSize: 4, exploit: { kind: "truncate", fraction: 0.25 }, maxRetries: 2 });
    // Member 3 crashed out of generation 1 after scoring 0.99 in generation 0: it ranks last.
    const members = [done(0, 0, 0.1, 1), done(1, 0, 0.5, 5), done(2, 0, 0.9, 5), inFlight(3, 1, "crashed", 0.99, 2)];
    // Ranking [2, 1, 0, 3(exhausted)]; q = 1: the bottom is member 3, so member 0 continues.
    expect(decideNext(state(config, members))).toMatchObject({ member: 0, origin: "continue" });
    const fraction = configOf({ populationSize: 4, exploit: { kind: "truncate", fraction: 0.5 }, maxRetries: 2 });
    // q = 2: bottom [0, 3]; member 0 copies from the top [2, 1], never from 3.
    for (let seed = 0; seed < 20; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...fraction, seed }, members)));
      expect([1, 2]).toContain(decision.donor?.member);
    }
  });

  it("does not move on a member that reached the stopping rule", () => {
    const config = configOf({ stop: { maxGenerations: 3 }, exploit: { kind: "none" } });
    const members = [done(0, 2, 0.5, 1), done(1, 1, 0.5, 2), inFlight(2, 2, "running", 0.5), inFlight(3, 2, "running", 0.5)];
    expect(decideNext(state(config, members))).toMatchObject({ member: 1, generation: 2 });
  });
});

describe("decideNext: sync mode", () => {
  const config = configOf({ mode: "sync", exploit: { kind: "none" } });

  it("holds a ready member while another member is still training the same generation", () => {
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "running", null)];
    expect(decideNext(state(config, members))).toEqual({ kind: "wait", reason: "sync-barrier" });
  });

  it("releases the generation once every member has finished it", () => {
    const members = [done(0, 0, 0.5, 4), done(1, 0, 0.5, 3), done(2, 0, 0.5, 2), done(3, 0, 0.5, 5)];
    expect(decideNext(state(config, members))).toMatchObject({ kind: "next-generation", member: 2, generation: 1 });
  });

  it("lets the rest of a released generation start while earlier starters are training it", () => {
    const members = [inFlight(0, 1, "running", 0.5), done(1, 0, 0.5), inFlight(2, 1, "queued", 0.5), done(3, 0, 0.5)];
    expect(decideNext(state(config, members))).toMatchObject({ kind: "next-generation", member: 1, generation: 1 });
  });

  it("starts a lagging member's generation before a member that is a generation ahead", () => {
    // Member 0 finished generation 1 early; member 1 just finished generation 0.
    const members = [done(0, 1, 0.5, 10), done(1, 0, 0.5, 50), inFlight(2, 1, "running", 0.5), inFlight(3, 1, "running", 0.5)];
    expect(decideNext(state(config, members))).toMatchObject({ member: 1, generation: 1 });
    const onlyAhead = [done(0, 1, 0.5, 10), inFlight(1, 1, "running", 0.5), inFlight(2, 1, "running", 0.5), inFlight(3, 1, "running", 0.5)];
    expect(decideNext(state(config, onlyAhead))).toEqual({ kind: "wait", reason: "sync-barrier" });
  });

  it("is held by a member waiting for a retry of the generation", () => {
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 1)];
    expect(decideNext(state(config, members))).toEqual({ kind: "wait", reason: "sync-barrier" });
  });

  it("is not held by an exhausted member", () => {
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 3)];
    expect(decideNext(state(config, members))).toMatchObject({ kind: "next-generation", member: 0, generation: 1 });
  });

  it("is not held by a member that reached the stopping rule", () => {
    const short = configOf({ mode: "sync", exploit: { kind: "none" }, stop: { maxGenerations: 2 } });
    // Member 3 (an earlier manual job, say) already completed the last generation.
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), done(3, 1, 0.5)];
    expect(decideNext(state(short, members))).toMatchObject({ kind: "next-generation", member: 0, generation: 1 });
  });
});

describe("decideNext: done (case 4)", () => {
  it("is done when every member reached the stopping rule", () => {
    const config = configOf({ stop: { maxGenerations: 3 } });
    const members = [0, 1, 2, 3].map((m) => done(m, 2, 0.5));
    expect(decideNext(state(config, members))).toEqual({ kind: "done" });
  });

  it("is done when every member either reached the stopping rule or exhausted its retries", () => {
    const config = configOf({ stop: { maxGenerations: 3 }, maxRetries: 1 });
    const members = [done(0, 2, 0.5), inFlight(1, 0, "crashed", null, 1), inFlight(2, 2, "crashed", 0.5, 1), done(3, 2, 0.5)];
    expect(decideNext(state(config, members))).toEqual({ kind: "done" });
  });

  it("is done after one generation when maxGenerations is 1", () => {
    const config = configOf({ stop: { maxGenerations: 1 }, populationSize: 2 });
    expect(decideNext(state(config, [done(0, 0, 0.1), done(1, 0, 0.2)]))).toEqual({ kind: "done" });
  });

  it("is not done while the population is not full", () => {
    const config = configOf({ stop: { maxGenerations: 1 } });
    expect(decideNext(state(config, [done(0, 0, 0.1), done(1, 0, 0.2)]))).toMatchObject({ kind: "new-member", member: 2 });
  });

  it("is not done while one member still trains its last generation", () => {
    const config = configOf({ stop: { maxGenerations: 3 } });
    const members = [done(0, 2, 0.5), done(1, 2, 0.5), done(2, 2, 0.5), inFlight(3, 2, "running", 0.5)];
    expect(decideNext(state(config, members))).toEqual({ kind: "wait", reason: "busy" });
  });
});

describe("decideNext: wait (case 5)", () => {
  it("waits while every member is training or queued", () => {
    const config = configOf();
    const members = [inFlight(0, 0, "running", null), inFlight(1, 1, "queued", 0.5), inFlight(2, 3, "running", 0.5), inFlight(3, 0, "running", null)];
    expect(decideNext(state(config, members))).toEqual({ kind: "wait", reason: "busy" });
  });

  it("waits for a crashed member with retries left (its retry is queued by the scheduler)", () => {
    const config = configOf({ maxRetries: 3, stop: { maxGenerations: 1 } });
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 2)];
    expect(decideNext(state(config, members))).toEqual({ kind: "wait", reason: "busy" });
    // One more crash and it is exhausted: the experiment is done.
    const last = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 3)];
    expect(decideNext(state(config, last))).toEqual({ kind: "done" });
  });
});

describe("decideNext: input checks", () => {
  it("rejects a state that lists a member twice", () => {
    expect(() => decideNext(state(configOf(), [done(0, 0, 0.5), done(0, 1, 0.5)]))).toThrow(/twice/);
  });

  it("does not modify the state it was given", () => {
    const config = configOf({ exploit: { kind: "none" } });
    const members = [done(0, 0, 0.1, 1), done(1, 0, 0.9, 2), done(2, 0, 0.5, 3), done(3, 0, 0.7, 4)];
    const before = structuredClone(members);
    decideNext(state(config, members));
    expect(members).toEqual(before);
  });
});

/** Random but internally consistent population states. */
const populationArbitrary: fc.Arbitrary<PopulationState> = fc
  .record({
    populationSize: fc.integer({ min: 1, max: 8 }),
    maxGenerations: fc.integer({ min: 1, max: 4 }),
    maxRetries: fc.integer({ min: 0, max: 2 }),
    mode: fc.constantFrom("async" as const, "sync" as const),
    exploit: fc.constantFrom(
      { kind: "truncate" as const, fraction: 0.25 },
      { kind: "truncate" as const, fraction: 0.5 },
      { kind: "tournament" as const },
      { kind: "none" as const },
    ),
    objective: fc.constantFrom("maximize" as const, "minimize" as const),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    rows: fc.array(
      fc.record({
        present: fc.boolean(),
        lastDoneGeneration: fc.option(fc.integer({ min: 0, max: 4 })),
        score: fc.double({ min: -1, max: 1, noNaN: true }),
        status: fc.constantFrom<JobStatus>("queued", "running", "done", "crashed", "done", "done"),
        attempt: fc.integer({ min: 0, max: 3 }),
        finishedAt: fc.integer({ min: 0, max: 5 }),
      }),
      { minLength: 8, maxLength: 8 },
    ),
  })
  .map(({ rows, populationSize, maxGenerations, ...rest }) => {
    const config = configOf({ ...rest, populationSize, stop: { maxGenerations } }, rest.seed);
    const members: MemberState[] = [];
    rows.slice(0, populationSize).forEach((row, member) => {
      if (!row.present && member % 3 !== 0) return;
      const last = row.lastDoneGeneration === null ? null : Math.min(row.lastDoneGeneration, maxGenerations - 1);
      const status: JobStatus = last === null && row.status === "done" ? "running" : row.status;
      const generation = status === "done" ? (last ?? 0) : (last ?? -1) + 1;
      const hp = hpOf(member);
      members.push({
        member,
        latest: {
          jobId: jobId(member, generation, row.attempt),
          generation,
          attempt: status === "done" ? 0 : row.attempt,
          status,
          hyperparameters: hp,
          finishedAt: status === "done" ? row.finishedAt : null,
        },
        lastDone: last === null ? null : { jobId: jobId(member, last), generation: last, hyperparameters: hp, score: row.score },
      });
    });
    return { config, members };
  });

describe("decideNext (properties)", () => {
  it("gives the same decision for the same state, however its members are ordered", () => {
    fc.assert(
      fc.property(populationArbitrary, fc.nat(), (population, rotation) => {
        const first = decideNext(population);
        expect(decideNext(population)).toEqual(first);
        const n = population.members.length;
        const rotated = population.members.map((_, i) => population.members[(i + rotation) % Math.max(n, 1)]!);
        expect(decideNext({ ...population, members: rotated })).toEqual(first);
        expect(decideNext({ ...population, members: [...population.members].reverse() })).toEqual(first);
      }),
    );
  });

  it("takes donors only among healthy members with a score, and continues from the donor's job", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        if (decision.kind !== "next-generation" || decision.donor === null) return;
        const donor = population.members.find((m) => m.member === decision.donor?.member);
        expect(donor?.lastDone).not.toBeNull();
        expect(donor?.latest.status === "crashed" && donor.latest.attempt >= population.config.maxRetries).toBe(false);
        expect(decision.donor.member).not.toBe(decision.member);
        expect(decision.parentJobId).toBe(donor?.lastDone?.jobId);
        expect(decision.donor.jobId).toBe(donor?.lastDone?.jobId);
        expect(decision.origin).toBe("exploit");
      }),
    );
  });

  it("moves on only ready members, to the generation after their last done one, within the stopping rule", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        if (decision.kind !== "next-generation") return;
        const member = population.members.find((m) => m.member === decision.member)!;
        expect(member.latest.status).toBe("done");
        expect(decision.generation).toBe(member.lastDone!.generation + 1);
        expect(decision.generation).toBeLessThan(population.config.stop.maxGenerations);
        if (decision.origin === "continue") expect(decision.parentJobId).toBe(member.lastDone!.jobId);
      }),
    );
  });

  it("in sync mode never starts a generation some unfinished member has not completed the one before", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        fc.pre(population.config.mode === "sync");
        const decision = decideNext(population);
        if (decision.kind !== "next-generation") return;
        const { config } = population;
        for (const m of population.members) {
          const exhausted = m.latest.status === "crashed" && m.latest.attempt >= config.maxRetries;
          const stopped = (m.lastDone?.generation ?? -1) >= config.stop.maxGenerations - 1;
          if (exhausted || stopped) continue;
          expect(m.lastDone?.generation ?? -1).toBeGreaterThanOrEqual(decision.generation - 1);
        }
      }),
    );
  });

  it("creates new members only for unused indices below the population size", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        const used = new Set(population.members.map((m) => m.member));
        if (decision.kind === "new-member") {
          expect(used.has(decision.member)).toBe(false);
          expect(decision.member).toBeLessThan(population.config.populationSize);
        } else {
          expect(used.size).toBe(population.config.populationSize);
        }
      }),
    );
  });
});
