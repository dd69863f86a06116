// The analysis read models: what an experiment's finished jobs say about its hyperparameters
// (parallel coordinates, importance, scatter), and several experiments side by side (best so far
// against steps). Built on the server by server/reads/analysis.
import { z } from "zod";
import { EXPERIMENT_STATUSES, OBJECTIVES } from "../pbt/config";

/** How a hyperparameter is drawn on an axis, from its initial distribution. */
export const analysisParameterSchema = z.object({
  name: z.string(),
  /** numeric: uniform, loguniform, normal, int; categorical: choice; constant: const (never varies, no importance). */
  kind: z.enum(["numeric", "categorical", "constant"]),
  /** log for loguniform; linear otherwise. */
  scale: z.enum(["linear", "log"]),
  /** PBT changes it during training (it has an explore strategy). */
  explored: z.boolean(),
  /** Numeric: the axis' extent, the prior's bounds widened to the values seen (a normal prior has no bounds). */
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** Categorical: the values' labels in the config's order (JSON text for values that are not strings). */
  levels: z.array(z.string()),
});
export type AnalysisParameter = z.infer<typeof analysisParameterSchema>;

/** A finished job as the analysis sees it. */
export const analysisJobSchema = z.object({
  id: z.int(),
  member: z.int(),
  generation: z.int(),
  score: z.number(),
  /**
   * The score gained over its parent (the job it continued from, after an exploit the donor's):
   * what one generation of training with these hyperparameters brought, positive when better for
   * the objective. Null for generation 0 and when the parent has no finite score.
   */
  improvement: z.number().nullable(),
  /** Each parameter's value: a number for numeric ones, the level's label for categorical ones. */
  values: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type AnalysisJob = z.infer<typeof analysisJobSchema>;

export const importanceSchema = z.object({
  /** Jobs the estimate rests on. */
  samples: z.int(),
  /** Most important first; null where it cannot be estimated (one level only, too few jobs). */
  parameters: z.array(
    z.object({
      parameter: z.string(),
      /** ω²: the share of the target's variance this parameter explains alone, 0 to 1. */
      importance: z.number().nullable(),
      /** Groups compared: quantile bins of a numeric parameter, the levels of a categorical one. */
      groups: z.int(),
    }),
  ),
});
export type Importance = z.infer<typeof importanceSchema>;

export const IMPORTANCE_METHOD = "first-order variance decomposition: one-way ANOVA ω² per hyperparameter (numeric values in quantile bins)";

export const analysisSchema = z.object({
  experiment: z.object({
    name: z.string(),
    objective: z.enum(OBJECTIVES),
    metric: z.string(),
    status: z.enum(EXPERIMENT_STATUSES),
    /** The event log's head when this was read: a dashboard follows the events after it. */
    lastEventSeq: z.int(),
  }),
  /** Generations that have finished jobs (null: none yet), and the range analysed. */
  generations: z.object({ min: z.int(), max: z.int() }).nullable(),
  filter: z.object({ fromGeneration: z.int().nullable(), toGeneration: z.int().nullable() }),
  parameters: z.array(analysisParameterSchema),
  /** Finished jobs with a finite score in the range, at most `maxJobs` of them evenly chosen (generation, member order). */
  jobs: z.array(analysisJobSchema),
  /** Finished jobs with a finite score in the range: `jobs` is all of them when it has as many. */
  totalJobs: z.int(),
  importance: z.object({
    method: z.string(),
    /** Of the score relative to its generation's mean (a later generation scores more for having trained longer). */
    score: importanceSchema,
    /** Of the improvement over the parent: what a generation of training with these values brought. */
    improvement: importanceSchema,
  }),
});
export type Analysis = z.infer<typeof analysisSchema>;

/** One experiment of a comparison. */
export const comparedExperimentSchema = z.object({
  name: z.string(),
  status: z.enum(EXPERIMENT_STATUSES),
  objective: z.enum(OBJECTIVES),
  metric: z.string(),
  populationSize: z.int(),
  /** How it searched: exploit kind (none for grid or random search) and the explore kinds used. */
  exploit: z.string(),
  explore: z.array(z.string()),
  mode: z.string(),
  jobsDone: z.int(),
  /** The best score of any finished job, and which. */
  best: z.object({ score: z.number(), jobId: z.int(), x: z.number() }).nullable(),
  /** The best of the members' latest finished scores: where the population ended (or stands). */
  final: z.number().nullable(),
  /** The best score of generation 0: before PBT changed anything. */
  generation0: z.number().nullable(),
  /** Best score so far against x: a point wherever it improved, and one at the last x reached. */
  curve: z.array(z.object({ x: z.number(), best: z.number() })),
});
export type ComparedExperiment = z.infer<typeof comparedExperimentSchema>;

export const comparisonSchema = z.object({
  /**
   * step: a job's x is the last step it reported metric points at (steps count on along a lineage);
   * generation: some experiment reports no points, so every x is the job's generation + 1 (the
   * training segments behind it).
   */
  x: z.enum(["step", "generation"]),
  experiments: z.array(comparedExperimentSchema),
});
export type Comparison = z.infer<typeof comparisonSchema>;
