// The decision of what to hand out next once no queued job exists (cases 2–5 of DESIGN §1;
// case 1, handing out the oldest queued job, is the database layer's). A pure function of the
// population's state: the scheduler applies the decision inside its transaction.
import type { ExperimentConfig, Hyperparameters, Mutation } from "./config";
import { chooseDonor, type Contender } from "./exploit";
import { explore } from "./explore";
import { mayStartNextGeneration } from "./generation";
import { initialHyperparameters, isExhausted, isFinished, isReady, type MemberState } from "./member";
import { rngFor } from "./rng";

export type { MemberState } from "./member";

export interface PopulationState {
  config: ExperimentConfig;
  members: MemberState[];
}

export type Decision =
  | { kind: "new-member"; member: number; hyperparameters: Hyperparameters }
  | {
      kind: "next-generation";
      member: number;
      generation: number;
      parentJobId: number;
      origin: "continue" | "exploit";
      donor: { member: number; jobId: number } | null;
      hyperparameters: Hyperparameters;
      mutations: Mutation[];
    }
  | { kind: "done" }
  | { kind: "wait"; reason: "busy" | "sync-barrier" };

type ReadyMember = MemberState & { lastDone: NonNullable<MemberState["lastDone"]> };

export function decideNext(state: PopulationState): Decision {
  const { config } = state;
  // Sorted once, so nothing below can depend on the order the database returned rows in.
  const members = [...state.members].sort((a, b) => a.member - b.member);
  for (let i = 1; i < members.length; i++) {
    if (members[i]?.member === members[i - 1]?.member) {
      throw new Error(`member ${members[i]?.member} appears twice in the population state`);
    }
  }

  // Case 2: fill the population first (in sync mode too: generation 0 needs everyone).
  const missing = firstMissingMember(members, config.populationSize);
  if (missing !== null) {
    return {
      kind: "new-member",
      member: missing,
      hyperparameters: initialHyperparameters(config.hyperparameters, config.seed, missing),
    };
  }

  // Case 3: the ready member that has waited longest moves on to its next generation.
  const ready = members.filter((m): m is ReadyMember => isReady(m, config));
  const startable =
    config.mode === "sync" ? ready.filter((m) => mayStartNextGeneration(m.lastDone.generation, members, config)) : ready;
  const next = waitedLongest(startable);
  if (next !== undefined) return nextGeneration(next, members, config);

  // Case 4: everyone reached the stopping rule (or gave up after its retries).
  if (members.every((m) => isFinished(m, config))) return { kind: "done" };

  // Case 5: jobs are out with workers (or retries pending); ask again later.
  return { kind: "wait", reason: ready.length > 0 ? "sync-barrier" : "busy" };
}

/** The smallest member index in 0..populationSize-1 that has no member yet, or null. */
function firstMissingMember(members: MemberState[], populationSize: number): number | null {
  const present = new Set(members.map((m) => m.member));
  for (let member = 0; member < populationSize; member++) {
    if (!present.has(member)) return member;
  }
  return null;
}

/**
 * Smallest `finishedAt` first, ties by member index. A done job without a finish time (which the
 * database should never produce) counts as having waited longest rather than starving.
 */
function waitedLongest(ready: ReadyMember[]): ReadyMember | undefined {
  const finishedAt = (m: ReadyMember) => m.latest.finishedAt ?? Number.NEGATIVE_INFINITY;
  return [...ready].sort((a, b) => {
    if (finishedAt(a) < finishedAt(b)) return -1;
    if (finishedAt(a) > finishedAt(b)) return 1;
    return a.member - b.member;
  })[0];
}

function nextGeneration(member: ReadyMember, members: MemberState[], config: ExperimentConfig): Decision {
  const own = member.lastDone;
  const generation = own.generation + 1;
  const contenders: Contender[] = members.map((m) => ({
    member: m.member,
    score: m.lastDone?.score ?? null,
    exhausted: isExhausted(m, config),
  }));
  // Each decision draws from a stream named after it, so it does not depend on how many other
  // decisions came first.
  const donorIndex = chooseDonor(
    config.exploit,
    config.objective,
    member.member,
    contenders,
    rngFor(config.seed, "exploit", member.member, generation),
  );
  const donor = donorIndex === null ? undefined : members.find((m) => m.member === donorIndex);
  const exploreRng = () => rngFor(config.seed, "explore", member.member, generation);

  if (donor?.lastDone != null) {
    // Exploit: continue from the donor's checkpoint with its hyperparameters, explored.
    const explored = explore(config.hyperparameters, donor.lastDone.hyperparameters, exploreRng());
    return {
      kind: "next-generation",
      member: member.member,
      generation,
      parentJobId: donor.lastDone.jobId,
      origin: "exploit",
      donor: { member: donor.member, jobId: donor.lastDone.jobId },
      hyperparameters: explored.hyperparameters,
      mutations: explored.mutations,
    };
  }
  if (config.exploit.kind === "none") {
    // Explore-only PBT: with no copying, exploring its own hyperparameters is the only way a
    // member's schedule changes at all.
    const explored = explore(config.hyperparameters, own.hyperparameters, exploreRng());
    return {
      kind: "next-generation",
      member: member.member,
      generation,
      parentJobId: own.jobId,
      origin: "continue",
      donor: null,
      hyperparameters: explored.hyperparameters,
      mutations: explored.mutations,
    };
  }
  // Kept its place in the ranking: it continues unchanged, as in the paper.
  return {
    kind: "next-generation",
    member: member.member,
    generation,
    parentJobId: own.jobId,
    origin: "continue",
    donor: null,
    hyperparameters: { ...own.hyperparameters },
    mutations: [],
  };
}
