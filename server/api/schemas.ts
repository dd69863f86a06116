// Fields the API operations (server/api/operations) share in their inputs, and the error answer.
import { z } from "zod";
import { jsonDepth, jsonValue, MAX_JSON_DEPTH, NON_FINITE_STRINGS } from "../pbt/config";

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
export const int32 = (min: number) => z.int().min(min).max(INT32_MAX);

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

export const errorOutput = z.object({
  error: z.object({
    code: z.string().describe("stable machine-readable code, e.g. invalid_input, lease_invalid"),
    message: z.string(),
    field: z.string().optional(),
    accepted: z.string().optional(),
    issues: z.array(z.object({ field: z.string(), message: z.string(), accepted: z.string().optional() })).optional(),
  }),
});
