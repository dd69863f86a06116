// Inputs and outputs of the API operations, shared by tRPC, the worker HTTP API and OpenAPI.
import { z } from "zod";
import {
  EXPERIMENT_STATUSES,
  EXPLOIT_REASONS,
  experimentConfigSchema,
  JOB_ORIGINS,
  JOB_STATUSES,
  jsonDepth,
  jsonValue,
  MAX_JSON_DEPTH,
  NON_FINITE_STRINGS,
  mutationSchema,
} from "../pbt/config";
import { ROLES } from "../auth/roles";
import { MAX_PAGE_SIZE } from "./limits";
import { pageParams } from "./paging";

const shallowEnough = (v: unknown) => jsonDepth(v) <= MAX_JSON_DEPTH;
const depthMessage = { error: `must be nested at most ${MAX_JSON_DEPTH} levels deep` };

/** Results a worker reports: a JSON object holding at least the experiment's metric. */
export const resultsSchema = z
  .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
    error: "must be a JSON object",
  })
  .refine(shallowEnough, depthMessage)
  .pipe(z.record(z.string(), jsonValue));

export const hyperparametersSchema = z
  .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
    error: "must be a JSON object of hyperparameter values",
  })
  .refine(shallowEnough, depthMessage)
  .pipe(z.record(z.string(), jsonValue));

/** Ids, members, sequence numbers and counts are PostgreSQL integers: 32 bits. */
export const INT32_MAX = 2 ** 31 - 1;
const int32 = (min: number) => z.int().min(min).max(INT32_MAX);

export const jobIdSchema = z.int().min(1, { error: "must be a positive job id" }).max(INT32_MAX);
export const leaseTokenSchema = z.string().min(1, { error: "must not be empty" }).max(200);
export const workerIdSchema = z.string().min(1).max(200);

/**
 * An existing experiment's name. Looser than the rules for a new name (experimentNameSchema), which
 * have grown stricter over time: an experiment named under older rules can still be read and deleted.
 */
export const experimentNameRef = z.string().min(1, { error: "must not be empty" }).max(200, { error: "must be at most 200 characters" });

export const experimentRef = z.strictObject({ name: experimentNameRef });

/** A metric value: a finite number, or a non-finite one written as a string (JSON has no NaN or Infinity). */
export const metricValueSchema = z
  .union([z.number().refine(Number.isFinite, { error: "must be a finite number" }), z.enum(NON_FINITE_STRINGS)])
  .describe('a finite number, or "NaN", "Infinity" or "-Infinity" (a run that diverged)');

export const metricPointSchema = z.strictObject({
  step: int32(0),
  values: z
    .record(z.string().min(1).max(100), metricValueSchema)
    .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 100, { error: "needs 1 to 100 values" }),
});

export const inputs = {
  createToken: z.strictObject({
    name: z.string().min(1, { error: "must not be empty" }).max(100),
    role: z.enum(ROLES),
  }),
  tokenRef: z.strictObject({ id: int32(1) }),
  createExperiment: experimentConfigSchema,
  experimentRef,
  setStatus: z.strictObject({ name: experimentNameRef, status: z.enum(EXPERIMENT_STATUSES) }),
  listExperiments: z.strictObject({ ...pageParams }).default({ limit: MAX_PAGE_SIZE }),
  listJobs: z.strictObject({
    name: experimentNameRef,
    member: int32(0).optional(),
    status: z.enum(JOB_STATUSES).optional(),
    ...pageParams,
  }),
  jobRef: z.strictObject({ id: jobIdSchema }),
  listEvents: z.strictObject({
    name: experimentNameRef,
    afterSeq: int32(0).optional().describe("the page starts after this seq (the cursor, when given, wins)"),
    ...pageParams,
  }),
  pushJob: z.strictObject({
    name: experimentNameRef,
    hyperparameters: hyperparametersSchema.default({}),
    member: int32(0).optional(),
  }),
  exportJobs: z.strictObject({ name: experimentNameRef, format: z.enum(["csv", "json"]).default("json") }),
  nextJob: z.strictObject({ name: experimentNameRef, workerId: workerIdSchema.default("anonymous") }),
  heartbeat: z.strictObject({ id: jobIdSchema, leaseToken: leaseTokenSchema }),
  logMetrics: z.strictObject({
    id: jobIdSchema,
    leaseToken: leaseTokenSchema,
    points: z.array(metricPointSchema).min(1).max(1000),
  }),
  complete: z.strictObject({
    id: jobIdSchema,
    leaseToken: leaseTokenSchema,
    results: resultsSchema.describe(
      "what this job produced (never the results it started with): the experiment's metric as a finite number, or " +
        '"NaN", "Infinity" or "-Infinity" for a run that diverged, plus anything else to keep (e.g. model_path). ' +
        "Merged over the results the job started with.",
    ),
  }),
  fail: z.strictObject({ id: jobIdSchema, leaseToken: leaseTokenSchema, error: z.string().max(20_000).default("") }),
  // The dashboard's read models (tRPC only).
  dashboardOverview: experimentRef,
  dashboardCurves: z.strictObject({
    name: experimentNameRef,
    metric: z.string().min(1).max(100).optional(),
    budget: z.int().min(4).max(5000).default(300),
  }),
  dashboardJob: z.strictObject({ id: jobIdSchema }),
};

// Output shapes, for the OpenAPI document and the SDKs' types.
const isoDate = z.string().describe("ISO 8601 date-time");

export const jobOutput = z.object({
  id: z.int(),
  experimentId: z.int(),
  member: z.int(),
  generation: z.int(),
  attempt: z.int(),
  status: z.enum(JOB_STATUSES),
  hyperparameters: z.record(z.string(), jsonValue),
  results: z.record(z.string(), jsonValue),
  score: z.number().nullable().describe("the experiment's metric as this job reported it; null until done, and for a diverged run"),
  diverged: z.boolean().describe('the worker reported a non-finite metric ("NaN", "Infinity" or "-Infinity"): it ranks below every finite score'),
  parentId: z.int().nullable().describe("the job whose checkpoint this one continues (after an exploit, the donor's)"),
  origin: z.enum(JOB_ORIGINS),
  donorJobId: z.int().nullable(),
  exploitReason: z.enum(EXPLOIT_REASONS).nullable().describe("why the member exploited: it ranked in the bottom quantile (truncate), lost its tournament, used up its retries (exhausted) or diverged"),
  mutations: z.array(mutationSchema),
  workerId: z.string().nullable(),
  leaseExpiresAt: isoDate.nullable(),
  heartbeatAt: isoDate.nullable(),
  error: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});

export const experimentOutput = z.object({
  id: z.int(),
  name: z.string(),
  status: z.enum(EXPERIMENT_STATUSES),
  config: z.record(z.string(), jsonValue).describe("the stored experiment config, seed included"),
  lastEventSeq: z.int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

export const nextJobOutput = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("job"),
    job: jobOutput,
    leaseToken: z.string().describe("send with every call on this job"),
    leaseExpiresAt: isoDate,
    heartbeatSeconds: z.int().describe("send a heartbeat at least this often"),
  }),
  z.object({
    status: z.literal("wait"),
    retryAfterSeconds: z.number(),
    reason: z.enum(["paused", "busy", "sync-barrier"]),
  }),
  z.object({ status: z.literal("done") }),
]);

export const heartbeatOutput = z.object({ leaseExpiresAt: isoDate, experimentStatus: z.enum(EXPERIMENT_STATUSES) });

export const eventOutput = z.object({
  experimentId: z.int(),
  seq: z.int(),
  type: z.string(),
  jobId: z.int().nullable(),
  member: z.int().nullable(),
  data: z.record(z.string(), jsonValue),
  createdAt: isoDate,
});

export const errorOutput = z.object({
  error: z.object({
    code: z.string().describe("stable machine-readable code, e.g. invalid_input, lease_invalid"),
    message: z.string(),
    field: z.string().optional(),
    accepted: z.string().optional(),
    issues: z.array(z.object({ field: z.string(), message: z.string(), accepted: z.string().optional() })).optional(),
  }),
});


export const tokenOutput = z.object({
  id: z.int(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string().describe("the token's first characters"),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
