import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { experimentConfigSchema, type ExperimentConfig, type ExperimentConfigInput, type Hyperparameters, type JobStatus } from "./config";
import { decideNext, generationsToRank, type Decision, type GenerationResult, type MemberState, type PopulationState } from "./decide";
import { sample } from "./distributions";
import { chooseDonor } from "./exploit";
import { explore } from "./explore";
import { initialHyperparameters, isFinished } from "./member";
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
function done(member: number, generation: number, score: number | null, finishedAt = 1000 + member): MemberState {
  const hp = hpOf(member);
  return {
    member,
    latest: { jobId: jobId(member, generation), generation, attempt: 0, status: "done", hyperparameters: hp, finishedAt },
    lastDone: { jobId: jobId(member, generation), generation, hyperparameters: hp, score },
  };
}

/** A member whose latest job is generation `generation` in `status`, after `previousScore` at generation - 1. */
function inFlight(member: number, generation: number, status: JobStatus, previousScore: number | null, attempt = 0): MemberState {
  const hp = hpOf(member);
  return {
    member,
    latest: { jobId: jobId(member, generation, attempt), generation, attempt, status, hyperparameters: hp, finishedAt: null },
    lastDone: previousScore === null ? null : { jobId: jobId(member, generation - 1), generation: generation - 1, hyperparameters: hp, score: previousScore },
  };
}

/**
 * The population as the scheduler hands it over. In sync mode the ranked generation's results are
 * the members' latest done jobs unless given.
 */
const state = (config: ExperimentConfig, members: MemberState[], generationResults?: GenerationResult[]): PopulationState => ({
  config,
  members,
  generationResults: generationResults ?? members.flatMap((m) => (m.lastDone ? [{ member: m.member, ...m.lastDone }] : [])),
  jobsCreated: 0,
});

function expectNextGeneration(decision: Decision): Extract<Decision, { kind: "next-generation" }> {
  expect(decision.kind).toBe("next-generation");
  if (decision.kind !== "next-generation") throw new Error("unreachable");
  return decision;
}

describe("decideNext: new members (case 2)", () => {
  it("creates member 0 in an empty experiment, sampled from the initial distributions", () => {
    const config = configOf();
    const decision = decideNext(state(config, []));
    expect(decision).toEqual({
      kind: "new-member",
      member: 0,
      generation: 0,
      parentJobId: null,
      origin: "initial",
      hyperparameters: initialHyperparameters(config.hyperparameters, 1, 0),
      mutations: [],
    });
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
      generation: 0,
      parentJobId: null,
      origin: "initial",
      hyperparameters: expected,
      mutations: [],
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
  const ten = (finishedAt: (m: number) => number, generation = (_: number) => 0) =>
    Array.from({ length: 10 }, (_, m) => done(m, generation(m), m / 10, finishedAt(m)));

  it("lets a bottom-quantile member exploit a top member and explores the donor's values", () => {
    const config = configOf({ populationSize: 10 });
    // Member 0 finished first, so it is the one that waited longest.
    const decision = expectNextGeneration(
      decideNext(
        state(
          config,
          ten((m) => 1000 + m),
        ),
      ),
    );
    expect(decision.member).toBe(0);
    expect(decision.generation).toBe(1);
    expect(decision.origin).toBe("exploit");
    expect(decision.reason).toBe("truncate");
    expect([8, 9]).toContain(decision.donor?.member);
    const donor = decision.donor!.member;
    expect(decision.donor).toEqual({ member: donor, jobId: jobId(donor, 0), generation: 0 });
    expect(decision.parentJobId).toBe(jobId(donor, 0));
    const expected = explore(config.hyperparameters, hpOf(donor), rngFor(config.seed, "explore", 0, 1, jobId(0, 0)));
    expect(decision.hyperparameters).toEqual(expected.hyperparameters);
    expect(decision.mutations).toEqual(expected.mutations);
    expect(decision.mutations.map((m) => m.parameter)).toEqual(["batch", "layers", "lr"]);
    expect(decision.hyperparameters.optimizer).toBe("adam");
  });

  it("puts an exploit one generation after the donor, wherever the member itself stood", () => {
    const config = configOf({ populationSize: 10, stop: { maxGenerations: 20 } });
    // Member 0 (generation 2) is the worst; the top members 8 and 9 are at generations 6 and 7.
    const members = ten(
      (m) => 1000 + m,
      (m) => (m === 0 ? 2 : m === 8 ? 6 : m === 9 ? 7 : 4),
    );
    for (let seed = 0; seed < 20; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...config, seed }, members)));
      expect(decision.member).toBe(0);
      expect(decision.generation).toBe(decision.donor!.generation + 1);
      expect(decision.generation).toBe(decision.donor!.member === 8 ? 7 : 8);
    }
    // And back: a member ahead copying a donor behind it goes back to the donor's depth + 1.
    const behind = ten(
      (m) => 1000 + m,
      (m) => (m === 0 ? 9 : 3),
    );
    const decision = expectNextGeneration(decideNext(state({ ...config, seed: 3 }, behind)));
    expect(decision).toMatchObject({ member: 0, origin: "exploit", generation: 4 });
  });

  it("never copies a donor that reached the last generation (its copy would pass the stopping rule)", () => {
    const config = configOf({ populationSize: 10, stop: { maxGenerations: 5 } });
    // Member 9 finished generation 4, the last: only member 8 can donate.
    const members = ten(
      (m) => 1000 + m,
      (m) => (m === 9 ? 4 : 2),
    );
    for (let seed = 0; seed < 20; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...config, seed }, members)));
      expect(decision.donor?.member).toBe(8);
    }
  });

  it("draws the donor from the decision's own exploit stream (seed, member, generation, and the job it decides after)", () => {
    const contenders = Array.from({ length: 10 }, (_, m) => ({ member: m, score: m / 10, canDonate: true }));
    const donors = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const config = configOf({ populationSize: 10 }, seed);
      const members = Array.from({ length: 10 }, (_, m) => done(m, 2, m / 10, 1000 + m));
      const decision = expectNextGeneration(decideNext(state(config, members)));
      const expected = chooseDonor(config.exploit, "maximize", 0, contenders, rngFor(seed, "exploit", 0, 3, jobId(0, 2)));
      expect(decision.donor?.member).toBe(expected?.member);
      donors.add(expected!.member);
    }
    expect(donors.size).toBe(2);
  });

  it("lets a member outside the bottom quantile continue unchanged from its own job", () => {
    const config = configOf({ populationSize: 10 });
    // Member 5 (middle) waited longest.
    const decision = expectNextGeneration(
      decideNext(
        state(
          config,
          ten((m) => (m === 5 ? 10 : 1000 + m)),
        ),
      ),
    );
    expect(decision).toEqual({
      kind: "next-generation",
      member: 5,
      generation: 1,
      parentJobId: jobId(5, 0),
      origin: "continue",
      donor: null,
      reason: null,
      hyperparameters: hpOf(5),
      mutations: [],
    });
  });

  it("takes the member that has waited longest, ties broken by the older job", () => {
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
    const expected = explore(config.hyperparameters, hpOf(0), rngFor(config.seed, "explore", 0, 2, jobId(0, 1)));
    expect(decision).toEqual({
      kind: "next-generation",
      member: 0,
      generation: 2,
      parentJobId: jobId(0, 1),
      origin: "continue",
      donor: null,
      reason: null,
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
      expect(decision).toMatchObject({ origin: "exploit", reason: "tournament" });
      expect([1, 2, 3]).toContain(decision.donor?.member);
    }
    // Member 1 is the best: it never finds a better opponent.
    const best = [done(0, 0, 0.1, 9), done(1, 0, 0.9, 1), done(2, 0, 0.5, 9), done(3, 0, 0.7, 9)];
    for (let seed = 0; seed < 20; seed++) {
      expect(decideNext(state({ ...config, seed }, best))).toMatchObject({ member: 1, origin: "continue", mutations: [] });
    }
  });

  it("does not move on a member that reached the stopping rule", () => {
    const config = configOf({ stop: { maxGenerations: 3 }, exploit: { kind: "none" } });
    const members = [done(0, 2, 0.5, 1), done(1, 1, 0.5, 2), inFlight(2, 2, "running", 0.5), inFlight(3, 2, "running", 0.5)];
    expect(decideNext(state(config, members))).toMatchObject({ member: 1, generation: 2 });
  });
});

describe("decideNext: failed members (out of retries) and diverged ones", () => {
  // Population of 8, truncate(0.25): q = 2 of 8 ranked, or of however many are ranked.
  const eight = configOf({ populationSize: 8, exploit: { kind: "truncate", fraction: 0.25 }, maxRetries: 2, stop: { maxGenerations: 10 } });

  it("leaves exhausted members out of the ranking: healthy bottom members are still replaced", () => {
    // Members 6 and 7 crashed out (after scoring well once); members 0..5 score 0.0 .. 0.5.
    const members = [
      ...Array.from({ length: 6 }, (_, m) => done(m, 3, m / 10, 100 + m)),
      inFlight(6, 4, "crashed", 0.99, 2),
      inFlight(7, 4, "crashed", 0.98, 2),
    ];
    members[6]!.latest.finishedAt = 900;
    members[7]!.latest.finishedAt = 901;
    // Member 0 (worst healthy, waited longest) copies from the top of the healthy ranking, never 6 or 7.
    for (let seed = 0; seed < 30; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...eight, seed }, members)));
      expect(decision).toMatchObject({ member: 0, origin: "exploit", reason: "truncate", generation: 4 });
      // Six ranked: q = 2, so the donors are 5 and 4.
      expect([4, 5]).toContain(decision.donor?.member);
    }
  });

  it("makes an exhausted member rejoin by copying a top donor, with explore, recording the failure as the reason", () => {
    const members = [...Array.from({ length: 7 }, (_, m) => inFlight(m, 4, "running", m / 10)), inFlight(7, 2, "crashed", 0.3, 2)];
    members[7]!.latest.finishedAt = 5;
    const donors = new Set<number>();
    for (let seed = 0; seed < 30; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...eight, seed }, members)));
      expect(decision).toMatchObject({ member: 7, origin: "exploit", reason: "exhausted" });
      // Seven healthy members ranked by their last scores (generation 3): q = 2, members 6 and 5.
      expect(decision.generation).toBe(4);
      expect(decision.mutations.length).toBeGreaterThan(0);
      donors.add(decision.donor!.member);
    }
    expect([...donors].sort()).toEqual([5, 6]);
  });

  it("drops an exhausted member under failedMembers: drop, and with exploit none", () => {
    const members = [...Array.from({ length: 7 }, (_, m) => done(m, 9, 0.5)), inFlight(7, 2, "crashed", 0.3, 2)];
    expect(decideNext(state({ ...eight, failedMembers: "drop" }, members))).toEqual({ kind: "done", reason: "every member reached the stopping rule" });
    expect(decideNext(state({ ...eight, exploit: { kind: "none" } }, members))).toMatchObject({ kind: "done" });
    // Replaced by default: but every healthy member reached the last generation, so none can donate.
    expect(decideNext(state(eight, members))).toEqual({ kind: "done", reason: "no member can continue: the failed members have no donor left to copy" });
  });

  it("waits while a failed member has nobody to copy yet", () => {
    const members = [...Array.from({ length: 7 }, (_, m) => inFlight(m, 0, "running", null)), inFlight(7, 0, "crashed", null, 2)];
    expect(decideNext(state(eight, members))).toEqual({ kind: "wait", reason: "busy" });
  });

  it("replaces a member whose result diverged at its next job, and never copies a diverged one", () => {
    // Member 3 diverged (score null) and waited longest; member 7 diverged too.
    const members = Array.from({ length: 8 }, (_, m) => done(m, 2, m === 3 || m === 7 ? null : m / 10, m === 3 ? 1 : 100 + m));
    for (let seed = 0; seed < 30; seed++) {
      const decision = expectNextGeneration(decideNext(state({ ...eight, seed }, members)));
      expect(decision).toMatchObject({ member: 3, origin: "exploit", reason: "diverged", generation: 3 });
      // Six ranked (0, 1, 2, 4, 5, 6): q = 2, the top is 6 and 5.
      expect([5, 6]).toContain(decision.donor?.member);
    }
  });

  it("never lets diverged members fill the bottom quantile", () => {
    // Members 6 and 7 diverged; member 0 is the worst healthy member and waited longest.
    const members = Array.from({ length: 8 }, (_, m) => done(m, 2, m >= 6 ? null : m / 10, m === 0 ? 1 : 100 + m));
    const decision = expectNextGeneration(decideNext(state(eight, members)));
    expect(decision).toMatchObject({ member: 0, origin: "exploit", reason: "truncate" });
  });

  it("leaves a member that diverged at the last generation finished", () => {
    const config = configOf({ stop: { maxGenerations: 3 } });
    const members = [done(0, 2, null), done(1, 2, 0.5), done(2, 2, 0.5), done(3, 2, 0.5)];
    expect(decideNext(state(config, members))).toEqual({ kind: "done", reason: "every member reached the stopping rule" });
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

  it("is held by a member waiting for a retry of the generation", () => {
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 1)];
    expect(decideNext(state(config, members))).toEqual({ kind: "wait", reason: "sync-barrier" });
  });

  it("is not held by an exhausted member", () => {
    const members = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 3)];
    expect(decideNext(state(config, members))).toMatchObject({ kind: "next-generation", member: 0, generation: 1 });
  });

  it("ranks generation g's results only, not the scores members already reported for g + 1", () => {
    const truncating = configOf({ mode: "sync", exploit: { kind: "truncate", fraction: 0.25 } });
    // Generation 0: member 0 scored worst (0.1), member 3 best (0.9). Members 1 and 2 have since
    // finished generation 1 with scores that would turn the ranking around.
    const generation0: GenerationResult[] = [0, 1, 2, 3].map((m) => ({
      member: m,
      jobId: jobId(m, 0),
      generation: 0,
      hyperparameters: hpOf(m),
      score: [0.1, 0.5, 0.6, 0.9][m]!,
    }));
    const members = [done(0, 0, 0.1, 1), done(1, 1, 0.05), done(2, 1, 0.01), inFlight(3, 1, "running", 0.9)];
    const decision = expectNextGeneration(
      decideNext(state(truncating, members, [...generation0, ...members.slice(1, 3).map((m) => ({ member: m.member, ...m.lastDone! }))])),
    );
    // With q = 1 of 4, member 0 is the bottom and copies member 3's generation-0 job.
    expect(decision).toMatchObject({ member: 0, origin: "exploit", generation: 1, parentJobId: jobId(3, 0) });
    expect(decision.donor).toEqual({ member: 3, jobId: jobId(3, 0), generation: 0 });
  });

  it("names the generations whose results it needs", () => {
    const members = [done(0, 1, 0.1, 1), done(1, 2, 0.05), inFlight(2, 2, "running", 0.3), done(3, 1, 0.9)];
    expect(generationsToRank(members, config)).toEqual([1, 2]);
    expect(generationsToRank(members, configOf({ mode: "async" }))).toEqual([]);
    expect(() => decideNext({ config, members, jobsCreated: 0 })).toThrow(/results of the generation/);
  });

  it("with a quorum, decides the next generation once that fraction has finished this one", () => {
    const quorum = configOf({ mode: "sync", exploit: { kind: "none" }, populationSize: 4, syncQuorum: 0.75 });
    const three = [done(0, 0, 0.5, 1), done(1, 0, 0.5, 2), done(2, 0, 0.5, 3), inFlight(3, 0, "running", null)];
    expect(decideNext(state(quorum, three))).toMatchObject({ kind: "next-generation", member: 0, generation: 1 });
    const two = [done(0, 0, 0.5, 1), done(1, 0, 0.5, 2), inFlight(2, 0, "running", null), inFlight(3, 0, "running", null)];
    expect(decideNext(state(quorum, two))).toEqual({ kind: "wait", reason: "sync-barrier" });
  });
});

describe("decideNext: done (case 4)", () => {
  it("is done when every member reached the stopping rule", () => {
    const config = configOf({ stop: { maxGenerations: 3 } });
    const members = [0, 1, 2, 3].map((m) => done(m, 2, 0.5));
    expect(decideNext(state(config, members))).toEqual({ kind: "done", reason: "every member reached the stopping rule" });
  });

  it("is done when every member either reached the stopping rule or was dropped after its retries", () => {
    const config = configOf({ stop: { maxGenerations: 3 }, maxRetries: 1, failedMembers: "drop" });
    const members = [done(0, 2, 0.5), inFlight(1, 0, "crashed", null, 1), inFlight(2, 2, "crashed", 0.5, 1), done(3, 2, 0.5)];
    expect(decideNext(state(config, members))).toMatchObject({ kind: "done" });
  });

  it("is done after one generation when maxGenerations is 1", () => {
    const config = configOf({ stop: { maxGenerations: 1 }, populationSize: 2 });
    expect(decideNext(state(config, [done(0, 0, 0.1), done(1, 0, 0.2)]))).toMatchObject({ kind: "done" });
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

  it("is done as soon as a job reached the target score, in the objective's direction", () => {
    const config = configOf({ stop: { maxGenerations: 10, target: 0.9 } });
    const members = [done(0, 2, 0.95), inFlight(1, 3, "running", 0.5), done(2, 1, 0.3), done(3, 1, 0.2)];
    expect(decideNext(state(config, members))).toEqual({ kind: "done", reason: `job ${jobId(0, 2)} reached the target score 0.9` });
    const minimizing = configOf({ objective: "minimize", stop: { maxGenerations: 10, target: 0.1 } });
    expect(decideNext(state(minimizing, members))).toMatchObject({ kind: "next-generation" });
    expect(decideNext(state(minimizing, [done(0, 1, 0.1), done(1, 1, 2), done(2, 1, 3), done(3, 1, 4)]))).toMatchObject({ kind: "done" });
  });

  it("creates no job past the budget, and is done once the last one finished", () => {
    const config = configOf({ stop: { maxGenerations: 10, maxJobs: 6 } });
    const members = [done(0, 1, 0.5), done(1, 0, 0.5), inFlight(2, 1, "running", 0.5), done(3, 0, 0.5)];
    expect(decideNext({ ...state(config, members), jobsCreated: 5 })).toMatchObject({ kind: "next-generation" });
    expect(decideNext({ ...state(config, members), jobsCreated: 6 })).toEqual({ kind: "wait", reason: "busy" });
    const settled = members.map((m) => (m.member === 2 ? done(2, 1, 0.5) : m));
    expect(decideNext({ ...state(config, settled), jobsCreated: 6 })).toEqual({ kind: "done", reason: "the budget of 6 jobs is used" });
    // A budget smaller than the population leaves the last members uncreated.
    expect(decideNext({ ...state(config, [done(0, 0, 0.5)]), jobsCreated: 6 })).toMatchObject({ kind: "done" });
    expect(() => decideNext({ config, members, generationResults: [] })).toThrow(/maxJobs/);
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
    // One more crash and it is exhausted; every other member is finished, so nobody can donate.
    const last = [done(0, 0, 0.5), done(1, 0, 0.5), done(2, 0, 0.5), inFlight(3, 0, "crashed", null, 3)];
    expect(decideNext(state(config, last))).toMatchObject({ kind: "done" });
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
    maxGenerations: fc.integer({ min: 1, max: 6 }),
    maxRetries: fc.integer({ min: 0, max: 2 }),
    mode: fc.constantFrom("async" as const, "sync" as const),
    failedMembers: fc.constantFrom("replace" as const, "drop" as const),
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
        present: fc.constantFrom(true, true, true, false),
        lastDoneGeneration: fc.option(fc.integer({ min: 0, max: 6 }), { freq: 6 }),
        score: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { freq: 6 }),
        status: fc.constantFrom<JobStatus>("queued", "running", "crashed", "done", "done", "done", "done", "done"),
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
          finishedAt: status === "done" || status === "crashed" ? row.finishedAt : null,
        },
        lastDone: last === null ? null : { jobId: jobId(member, last), generation: last, hyperparameters: hp, score: row.score },
      });
    });
    return state(config, members);
  });

const isExhaustedState = (m: MemberState, config: ExperimentConfig) => m.latest.status === "crashed" && m.latest.attempt >= config.maxRetries;

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

  it("takes donors only among healthy members with a finite score that can still donate, one generation behind the copy", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        fc.pre(decision.kind === "next-generation" && decision.donor !== null);
        const donor = population.members.find((m) => m.member === decision.donor?.member)!;
        expect(donor.lastDone?.score).toEqual(expect.any(Number));
        // In sync mode the ranked generation's results are a snapshot: a member that crashed out of
        // a later generation since still donates its checkpoint of this one, whatever the timing.
        if (population.config.mode === "async") expect(isExhaustedState(donor, population.config)).toBe(false);
        expect(decision.donor.member).not.toBe(decision.member);
        expect(decision.parentJobId).toBe(donor.lastDone!.jobId);
        expect(decision.donor.jobId).toBe(donor.lastDone!.jobId);
        expect(decision.generation).toBe(donor.lastDone!.generation + 1);
        expect(decision.generation).toBeLessThan(population.config.stop.maxGenerations);
        expect(decision.origin).toBe("exploit");
      }),
      // Exploits are a minority of decisions: let the generator look further for them.
      { maxSkipsPerRun: 1000 },
    );
  });

  it("continues only ready, healthy members, one generation after their last done job, within the stopping rule", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        fc.pre(decision.kind === "next-generation" && decision.origin === "continue");
        const member = population.members.find((m) => m.member === decision.member)!;
        expect(member.latest.status).toBe("done");
        expect(member.lastDone!.score).not.toBeNull();
        expect(decision.generation).toBe(member.lastDone!.generation + 1);
        expect(decision.generation).toBeLessThan(population.config.stop.maxGenerations);
        expect(decision.parentJobId).toBe(member.lastDone!.jobId);
      }),
    );
  });

  it("always replaces a failed or diverged member by an exploit that names the failure", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        fc.pre(decision.kind === "next-generation");
        const member = population.members.find((m) => m.member === decision.member)!;
        const exhausted = isExhaustedState(member, population.config);
        const diverged = member.latest.status === "done" && member.lastDone?.score === null;
        if (exhausted) expect(decision).toMatchObject({ origin: "exploit", reason: "exhausted" });
        if (diverged) expect(decision).toMatchObject({ origin: "exploit", reason: "diverged" });
        if (decision.reason === "exhausted" || decision.reason === "diverged") expect(exhausted || diverged).toBe(true);
      }),
    );
  });

  it("in sync mode never starts a generation some unfinished member has not settled the one before", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        fc.pre(population.config.mode === "sync");
        const decision = decideNext(population);
        fc.pre(decision.kind === "next-generation");
        const { config } = population;
        expect(population.members).toHaveLength(config.populationSize);
        for (const m of population.members) {
          const exhausted = isExhaustedState(m, config);
          const inFlight = m.latest.status === "queued" || m.latest.status === "running" || (m.latest.status === "crashed" && !exhausted);
          const settled = inFlight ? m.latest.generation - 1 : m.latest.generation;
          if (isFinished(m, config)) continue;
          expect(settled).toBeGreaterThanOrEqual(decision.generation - 1);
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

  it("is done only when no job is in flight", () => {
    fc.assert(
      fc.property(populationArbitrary, (population) => {
        const decision = decideNext(population);
        fc.pre(decision.kind === "done");
        const { config } = population;
        for (const m of population.members) {
          expect(["queued", "running"]).not.toContain(m.latest.status);
          if (m.latest.status === "crashed") expect(isExhaustedState(m, config)).toBe(true);
        }
      }),
    );
  });
});
