// The dashboard's read models: what the experiment page and the job page draw. Built from the
// database by server/reads/dashboard, kept current in the browser by folding events into them
// (projection.ts).
import { z } from "zod";
import { EXPLOIT_REASONS, JOB_ORIGINS, JOB_STATUSES, jsonValue, mutationSchema, OBJECTIVES } from "../pbt/config";
import { experimentSchema } from "./experiment";
import { isoDate } from "./json";
import { jobSchema } from "./job";

const hyperparameters = z.record(z.string(), jsonValue);

/** A job as the lineage tree and the schedules draw it. */
export const jobNodeSchema = z.object({
  id: z.int(),
  member: z.int(),
  generation: z.int(),
  attempt: z.int(),
  status: z.enum(JOB_STATUSES),
  score: z.number().nullable(),
  /** Done with a non-finite metric (score is null). */
  diverged: z.boolean(),
  parentId: z.int().nullable(),
  origin: z.enum(JOB_ORIGINS),
  donorJobId: z.int().nullable(),
  exploitReason: z.enum(EXPLOIT_REASONS).nullable(),
  hyperparameters,
});
export type JobNode = z.infer<typeof jobNodeSchema>;

/** One row of the population table: a member and its latest job. */
export const memberRowSchema = z.object({
  member: z.int(),
  jobId: z.int(),
  generation: z.int(),
  status: z.enum(JOB_STATUSES),
  hyperparameters,
  /** Score of the member's latest finished job. */
  score: z.number().nullable(),
  /** The member's latest finished job diverged. */
  diverged: z.boolean(),
  scoreGeneration: z.int().nullable(),
  workerId: z.string().nullable(),
  heartbeatAt: isoDate.nullable(),
  exploits: z.int(),
  crashes: z.int(),
});
export type MemberRow = z.infer<typeof memberRowSchema>;

export const progressSchema = z.object({
  /** Finished jobs. */
  done: z.int(),
  /**
   * How deep the members' lineages reach, summed over the population: each member counts its
   * latest finished generation + 1 (at most maxGenerations), out of populationSize × maxGenerations.
   * A copy jumps with its donor, so this, not the number of jobs, says how far the run is.
   */
  reached: z.int(),
  total: z.int(),
  running: z.int(),
  queued: z.int(),
  crashed: z.int(),
});
export type Progress = z.infer<typeof progressSchema>;

/** Which jobs `jobs` holds: all of them, or each member's latest (an experiment past the overview's limit). */
export const jobWindowSchema = z.object({
  /** Jobs in the experiment. */
  totalJobs: z.int(),
  /** null: every job is in `jobs`; else each member's latest this many. */
  latestPerMember: z.int().nullable(),
});
export type JobWindow = z.infer<typeof jobWindowSchema>;

export const bestLineageSchema = z.object({
  jobId: z.int(),
  member: z.int(),
  generation: z.int(),
  score: z.number(),
  /** Job ids from generation 0 to the best job. */
  jobIds: z.array(z.int()),
});
export type BestLineage = z.infer<typeof bestLineageSchema>;

export const overviewSchema = z.object({
  experiment: experimentSchema,
  progress: progressSchema,
  best: bestLineageSchema.nullable(),
  members: z.array(memberRowSchema),
  jobs: z.array(jobNodeSchema),
  window: jobWindowSchema,
});
export type ExperimentOverview = z.infer<typeof overviewSchema>;

export const curvePointSchema = z.object({ step: z.number(), value: z.number() });
export type CurvePoint = z.infer<typeof curvePointSchema>;

export const exploitMarkSchema = z.object({
  jobId: z.int(),
  member: z.int(),
  donorMember: z.int().nullable(),
  donorJobId: z.int().nullable(),
  reason: z.enum(EXPLOIT_REASONS).nullable(),
  /** What explore changed in the copy: parameter, old value, new value, operation. */
  mutations: z.array(mutationSchema),
  generation: z.int(),
  /** Where the copy's curve starts, on the curves' x axis (see `x`). */
  step: z.number(),
  value: z.number(),
});
export type ExploitMark = z.infer<typeof exploitMarkSchema>;

export const CURVE_AXES = ["step", "generation", "time"] as const;

export const curvesSchema = z.object({
  /** Metric names reported by workers, the experiment's metric first. */
  metrics: z.array(z.string()),
  metric: z.string(),
  /**
   * What the points' `step` holds: the training step (continuing across copies); the generation
   * (one point per job: its last value, or its score when only results are reported); or the
   * time in seconds since the experiment was created.
   */
  x: z.enum(CURVE_AXES),
  series: z.array(
    z.object({
      member: z.int(),
      /** In the order the member trained them: job by job (a copy's steps start at its donor's). */
      points: z.array(curvePointSchema),
      /** The job each point belongs to (same length as points). */
      jobIds: z.array(z.int()),
    }),
  ),
  exploits: z.array(exploitMarkSchema),
  best: z.object({ jobId: z.int(), points: z.array(curvePointSchema) }).nullable(),
  /** Raw points read, before downsampling. */
  totalPoints: z.int(),
});
export type Curves = z.infer<typeof curvesSchema>;
export type MemberCurve = Curves["series"][number];

export const jobLinkSchema = jobNodeSchema.pick({
  id: true,
  member: true,
  generation: true,
  attempt: true,
  status: true,
  origin: true,
  score: true,
  donorJobId: true,
});
export type JobLink = z.infer<typeof jobLinkSchema>;

export const jobDetailSchema = z.object({
  job: jobSchema,
  experiment: z.object({ name: z.string(), objective: z.enum(OBJECTIVES), metric: z.string(), lastEventSeq: z.int() }),
  /** Generation 0 first, this job last. */
  ancestry: z.array(jobLinkSchema),
  donor: jobLinkSchema.nullable(),
  children: z.array(jobLinkSchema),
  /** Metric names reported as points along the ancestry. */
  metrics: z.array(z.string()),
  /** The metric of `curve`: the one asked for, or by default the experiment's metric when reported, else a reported one. */
  metric: z.string(),
  /** `metric` along the ancestry; `jobId` says which job each point belongs to. */
  curve: z.array(curvePointSchema.extend({ jobId: z.int() })),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

/** A result value as the population table shows it: scalars only (longer strings cut). */
export const resultValueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** Each member's latest finished job's results, for the population table's result columns. */
export const memberResultsSchema = z.object({
  /** Result keys with a scalar value in some member's results, sorted (at most 100). */
  keys: z.array(z.string()),
  members: z.array(z.object({ member: z.int(), jobId: z.int(), values: z.record(z.string(), resultValueSchema) })),
});
export type MemberResults = z.infer<typeof memberResultsSchema>;
