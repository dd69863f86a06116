// The pure PBT engine: no I/O, no clock; every random choice comes from the experiment's seed.
export * from "./config";
export { createRng, rngFor, type Rng } from "./rng";
export { sample, bounds, clampToDistribution, type JsonValue } from "./distributions";
export { explore } from "./explore";
export { rankMembers, truncationQuantile, chooseDonor, chooseRejoinDonor, type Contender, type Objective } from "./exploit";
export {
  isExhausted,
  isDiverged,
  isFinished,
  isInFlight,
  isReady,
  needsReplacement,
  settledGeneration,
  initialHyperparameters,
  type MemberState,
  type DoneJob,
} from "./member";
export { isGenerationClosed, quorumSize } from "./generation";
export { reachesTarget, targetReachedBy, budgetLeft } from "./stopping";
export { decideNext, generationsToRank, type PopulationState, type Decision, type GenerationResult } from "./decide";
export { retention, generationsMayRank, type Retention, type RetentionState, type StoredCheckpoint, type KeepReason } from "./retention";
export { bestJob, bestSchedule, ancestry, type BestSchedule, type ScheduleStep, type ScheduleJob } from "./schedule";
