// The pure PBT engine: no I/O, no clock; every random choice comes from the experiment's seed.
export * from "./config";
export { createRng, rngFor, type Rng } from "./rng";
export { sample, bounds, clampToDistribution, type JsonValue } from "./distributions";
export { explore } from "./explore";
export { rankMembers, truncationQuantile, chooseDonor, type Contender, type Objective } from "./exploit";
export { isExhausted, isFinished, isReady, initialHyperparameters, type MemberState } from "./member";
export { completedByAll, mayStartNextGeneration } from "./generation";
export { decideNext, type PopulationState, type Decision } from "./decide";
export { bestJob, bestSchedule, ancestry, type BestSchedule, type ScheduleStep, type ScheduleJob } from "./schedule";
