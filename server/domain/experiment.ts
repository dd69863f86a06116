// An experiment as every surface shows it, and its line in the list of experiments.
import { z } from "zod";
import { EXPERIMENT_STATUSES, experimentConfigFields, OBJECTIVES, type ExperimentConfig } from "../pbt/config";
import { isoDate } from "./json";

/** The stored config: validated at creation, every default filled in, the seed drawn if it was left out. */
export const storedConfigSchema = experimentConfigFields.extend({ seed: z.int() });

export const experimentSchema = z.object({
  id: z.int(),
  name: z.string(),
  status: z.enum(EXPERIMENT_STATUSES),
  config: storedConfigSchema.describe("the stored experiment config, seed included"),
  lastEventSeq: z.int(),
  archivedAt: isoDate.nullable().describe("when the experiment was archived; null unless it is (the list hides archived experiments unless asked)"),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Experiment = z.infer<typeof experimentSchema>;

export const experimentSummarySchema = z.object({
  id: z.int(),
  name: z.string(),
  status: z.enum(EXPERIMENT_STATUSES),
  objective: z.enum(OBJECTIVES),
  metric: z.string(),
  populationSize: z.int(),
  maxGenerations: z.int(),
  /** Members that have at least one job. */
  members: z.int(),
  jobsDone: z.int(),
  generationsReached: z.int().describe("lineage depth reached, summed over members (each at most maxGenerations): complete at populationSize × maxGenerations"),
  runningJobs: z.int(),
  bestScore: z.number().nullable(),
  archivedAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type ExperimentSummary = z.infer<typeof experimentSummarySchema>;

/** Which experiments a list shows by their archive flag: hidden by default. */
export const ARCHIVED_FILTERS = ["exclude", "include", "only"] as const;
export type ArchivedFilter = (typeof ARCHIVED_FILTERS)[number];

/**
 * A config as stored, with the fields added since it was written given their defaults (an
 * experiment created before `failedMembers` existed replaces its failed members, as new ones do).
 * Stored configs were validated when they were written: nothing else is checked again here.
 */
export function readStoredConfig(stored: unknown): ExperimentConfig {
  const config = stored as Partial<ExperimentConfig> & Pick<ExperimentConfig, "name" | "metric" | "populationSize" | "stop" | "hyperparameters" | "seed">;
  return {
    objective: "maximize",
    mode: "async",
    syncQuorum: 1,
    exploit: { kind: "truncate", fraction: 0.2 },
    leaseSeconds: 300,
    maxRetries: 3,
    failedMembers: "replace",
    checkpoints: { retain: "needed" },
    ...config,
  };
}
