// The experiment config: the one definition of an experiment's shape, shared by the engine,
// the tRPC input, the worker HTTP API, the OpenAPI document, the SDKs and the dashboard form.
import { z } from "zod";

const finite = z.number().refine(Number.isFinite, { error: "must be a finite number" });

/** How deeply a JSON value (results, a hyperparameter, a `choice` or `const` value) may nest. */
export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a JSON value, counted without recursion so that deep input cannot overflow the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    max = Math.max(max, d);
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * Any JSON value (used for `choice` values and `const`), nested at most MAX_JSON_DEPTH levels.
 * The depth is checked before z.json() looks inside, as z.json() recurses once per level.
 */
export const jsonValue = z
  .custom<unknown>((v) => jsonDepth(v) <= MAX_JSON_DEPTH, { error: `must be nested at most ${MAX_JSON_DEPTH} levels deep` })
  .pipe(z.json());

export const distributionSchema = z.discriminatedUnion("kind", [
  z
    .strictObject({ kind: z.literal("uniform"), low: finite, high: finite })
    .refine((d) => d.low < d.high, { error: "low must be less than high", path: ["high"] })
    .refine((d) => Number.isFinite(d.high - d.low), { error: "high - low overflows: the range must be a finite number", path: ["high"] }),
  z
    .strictObject({
      kind: z.literal("loguniform"),
      low: finite.refine((v) => v > 0, { error: "must be greater than 0" }),
      high: finite,
    })
    .refine((d) => d.low < d.high, { error: "low must be less than high", path: ["high"] }),
  z
    .strictObject({
      kind: z.literal("normal"),
      mean: finite,
      std: finite.refine((v) => v >= 0, { error: "must be 0 or more" }),
    })
    // Samples are mean + std·z with |z| < 8.6 (rng.ts's Box–Muller): they must stay finite.
    .refine((d) => Number.isFinite(Math.abs(d.mean) + 9 * d.std), { error: "too large: mean ± 9 × std must be a finite number", path: ["std"] }),
  z
    .strictObject({ kind: z.literal("int"), low: z.int(), high: z.int() })
    .refine((d) => d.low <= d.high, { error: "low must not exceed high", path: ["high"] })
    .refine((d) => Number.isSafeInteger(d.high - d.low + 1), { error: "the range holds more than 2^53 integers", path: ["high"] }),
  z
    .strictObject({
      kind: z.literal("choice"),
      values: z.array(jsonValue).min(1, { error: "needs at least one value" }),
      weights: z.array(finite.refine((w) => w >= 0, { error: "must be 0 or more" })).optional(),
    })
    .refine((d) => d.weights === undefined || d.weights.length === d.values.length, {
      error: "needs one weight per value",
      path: ["weights"],
    })
    .refine((d) => d.weights === undefined || d.weights.some((w) => w > 0), {
      error: "at least one weight must be greater than 0",
      path: ["weights"],
    })
    .refine((d) => d.weights === undefined || Number.isFinite(d.weights.reduce((sum, w) => sum + w, 0)), {
      error: "must sum to a finite number",
      path: ["weights"],
    }),
  z.strictObject({ kind: z.literal("const"), value: jsonValue }),
]);
export type Distribution = z.infer<typeof distributionSchema>;

/** How a multiplicative perturbation draws its factor (shared by `perturb` and `resample`). */
const perturbFields = {
  /** Draw a factor uniformly from [minFactor, maxFactor] (Schedy's semantics). */
  minFactor: finite.refine((v) => v > 0, { error: "must be greater than 0" }).optional(),
  maxFactor: finite.refine((v) => v > 0, { error: "must be greater than 0" }).optional(),
  /** Pick one of these factors (the paper's and Ray Tune's semantics). */
  factors: z
    .array(finite.refine((v) => v > 0, { error: "must be greater than 0" }))
    .min(1)
    .optional(),
};
type PerturbFields = { minFactor?: number; maxFactor?: number; factors?: number[] };

function perturbFieldsAreConsistent(p: PerturbFields, ctx: z.RefinementCtx<PerturbFields>) {
  if (p.factors !== undefined && (p.minFactor !== undefined || p.maxFactor !== undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["factors"],
      message: "give either factors or minFactor/maxFactor, not both",
    });
  }
  const min = p.minFactor ?? DEFAULT_MIN_FACTOR;
  const max = p.maxFactor ?? DEFAULT_MAX_FACTOR;
  if (p.factors === undefined && min > max) {
    ctx.addIssue({ code: "custom", path: ["maxFactor"], message: "maxFactor must not be less than minFactor" });
  }
}

export const DEFAULT_MIN_FACTOR = 0.8;
export const DEFAULT_MAX_FACTOR = 1.2;

export const exploreSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("perturb"), ...perturbFields }).superRefine(perturbFieldsAreConsistent),
  z
    .strictObject({
      kind: z.literal("resample"),
      /** Probability of drawing again from the initial distribution; otherwise perturb. */
      probability: finite.refine((p) => p >= 0 && p <= 1, { error: "must be between 0 and 1" }),
      ...perturbFields,
    })
    .superRefine(perturbFieldsAreConsistent),
  /** Move to a neighbouring value of a `choice` parameter's list (clamped at the ends). */
  z.strictObject({ kind: z.literal("shift") }),
  /**
   * PB2 (Parker-Holder et al. 2020): the value is chosen by GP-UCB on a time-varying kernel fitted
   * to the population's history; bounded numeric parameters only (uniform, loguniform, int).
   */
  z.strictObject({ kind: z.literal("pb2") }),
]);
export type Explore = z.infer<typeof exploreSchema>;

/** The distributions PB2 can explore: numeric with bounds, which its Gaussian process is normalised by. */
export const PB2_KINDS: ReadonlySet<Distribution["kind"]> = new Set(["uniform", "loguniform", "int"]);

export const hyperparameterSchema = z
  .strictObject({
    init: distributionSchema,
    /** Omitted: the parameter never changes during training. */
    explore: exploreSchema.optional(),
  })
  .superRefine((h, ctx) => {
    if (!h.explore) return;
    const numeric = ["uniform", "loguniform", "normal", "int"].includes(h.init.kind);
    if (h.explore.kind === "pb2" && !PB2_KINDS.has(h.init.kind)) {
      ctx.addIssue({
        code: "custom",
        path: ["explore", "kind"],
        message: `pb2 needs a bounded numeric distribution (uniform, loguniform, int), not ${h.init.kind}; use perturb, resample or shift`,
      });
    }
    if (h.explore.kind === "shift" && h.init.kind !== "choice") {
      ctx.addIssue({ code: "custom", path: ["explore", "kind"], message: "shift applies only to choice parameters" });
    }
    // resample draws from the prior, which every distribution has (for a choice, the draws that
    // do not resample shift to a neighbouring value, as Ray Tune does with categories).
    if (h.explore.kind === "perturb" && !numeric) {
      ctx.addIssue({
        code: "custom",
        path: ["explore", "kind"],
        message: `perturb needs a numeric distribution (uniform, loguniform, normal, int); use shift or resample for ${h.init.kind}`,
      });
    }
  });
export type Hyperparameter = z.infer<typeof hyperparameterSchema>;

/** Hyperparameter names become command-line flags (`--name value`) and CSV columns. */
export const HYPERPARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export const exploitSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("truncate"),
    fraction: finite.refine((f) => f > 0 && f <= 0.5, { error: "must be greater than 0 and at most 0.5" }).default(0.2),
  }),
  z.strictObject({ kind: z.literal("tournament") }),
  z.strictObject({ kind: z.literal("none") }),
]);
export type Exploit = z.infer<typeof exploitSchema>;

/**
 * Characters that do not show, or that reorder or disguise the text around them: C0 and C1
 * controls, line and paragraph separators, and Unicode's default-ignorable code points (zero-width
 * spaces and joiners, bidi controls, the soft hyphen, variation selectors, tags...). With them
 * `new\u200b` would pose as `new`, and U+202E would show a name backwards.
 */
const HIDDEN_CHARACTER = /[\p{Cc}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
/** The default-ignorables that belong to an emoji: a joiner between two (👩‍🔬), a presentation selector after one (❤️). */
// The selector after a skin tone is meant to stand alone in the class (a lone \uFE0F may follow an emoji).
// eslint-disable-next-line no-misleading-character-class
const EMOJI_JOINERS = /(?<=\p{Extended_Pictographic}[\u{1F3FB}-\u{1F3FF}\uFE0F]?)\u200D(?=\p{Extended_Pictographic})|(?<=\p{Emoji})[\uFE0E\uFE0F]/gu;

function hiddenCharacter(name: string): string | undefined {
  return HIDDEN_CHARACTER.exec(name.replace(EMOJI_JOINERS, ""))?.[0];
}

/**
 * Experiment names appear in URLs and on screen: any visible unicode is kept intact, but not
 * slashes, backslashes, control or invisible characters, surrounding spaces or the path segments
 * "." and "..".
 */
export const experimentNameSchema = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(200, { error: "must be at most 200 characters" })
  .refine((s) => !/[/\\]/.test(s), { error: "must not contain slashes or backslashes" })
  .refine((s) => hiddenCharacter(s) === undefined, {
    error: (issue) => {
      const c = hiddenCharacter(String(issue.input));
      const code = c === undefined ? "" : ` (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`;
      return `must not contain control or invisible characters${code}: zero-width, bidi and other formatting characters would make a name look like another`;
    },
  })
  .refine((s) => s.trim() === s, { error: "must not start or end with spaces" })
  .refine((s) => s !== "." && s !== "..", { error: 'must not be "." or ".."' })
  // /experiments/new is the dashboard's form.
  .refine((s) => s !== "new", { error: '"new" is reserved (the dashboard\'s form lives at /experiments/new)' });

export const OBJECTIVES = ["maximize", "minimize"] as const;
export const CHECKPOINT_RETENTION = ["needed", "all"] as const;

/**
 * Which checkpoints the server keeps (when workers upload them). "needed": those a later job may
 * still load (a member's latest, the parent of a queued or running job, a possible donor, the
 * best job's, a pinned one, and each member's `keepLast` latest); the rest are deleted as soon as
 * nothing can need them (server/pbt/retention.ts). "all": none is deleted.
 */
export const checkpointRetentionSchema = z.strictObject({
  retain: z.enum(CHECKPOINT_RETENTION).default("needed"),
  /** Also keep each member's last N checkpoints (its latest finished jobs that stored one). */
  keepLast: z.int().min(1).max(1_000_000).optional(),
});
export type CheckpointRetention = z.output<typeof checkpointRetentionSchema>;
export const MODES = ["async", "sync"] as const;
export const FAILED_MEMBER_POLICIES = ["replace", "drop"] as const;

/**
 * Experiment-level explore: `pb2` makes every bounded numeric hyperparameter that has an explore
 * strategy (perturb or resample) explored by PB2 instead, jointly; the others keep theirs (a
 * `choice` keeps shift or resample: PB2's Gaussian process is over numbers). Omitted: each
 * hyperparameter's own strategy.
 */
export const experimentExploreSchema = z.strictObject({ kind: z.literal("pb2") });
export type ExperimentExplore = z.infer<typeof experimentExploreSchema>;

const hyperparameterValues = z.record(z.string(), jsonValue);

/**
 * A replay: the experiment's members follow a schedule found before (the best schedule export of
 * this or another server), one step per generation, from scratch and without exploit.
 */
export const replaySchema = z.strictObject({
  /** Where the schedule came from, shown beside the replay. */
  source: z.strictObject({
    experiment: z.string().max(200),
    /** The job whose lineage the schedule is. */
    jobId: z.int(),
    metric: z.string().max(100),
    objective: z.enum(["maximize", "minimize"]),
  }),
  /** Generation 0 first: the hyperparameters to train with, and the score the original reached with them. */
  steps: z
    .array(z.strictObject({ hyperparameters: hyperparameterValues, score: z.number().nullable() }))
    .min(1, { error: "needs at least one step" })
    .max(100_000),
});
export type Replay = z.infer<typeof replaySchema>;

/**
 * A fork: the population starts from a job's checkpoint (its results, so `model_path`) and its
 * hyperparameters. Only `jobId` is given; the server fills in the rest from that job when the
 * experiment is created.
 */
export const forkSchema = z.strictObject({
  jobId: z
    .int()
    .min(1, { error: "must be a positive job id" })
    .max(2 ** 31 - 1),
  experiment: z.string().max(200).optional(),
  member: z.int().optional(),
  /** The source job's generation: a forked member's first job is one deeper. */
  generation: z.int().optional(),
  hyperparameters: hyperparameterValues.optional(),
});
export type Fork = z.infer<typeof forkSchema>;

/** The config's fields, before the rules that tie them together (experimentConfigSchema). */
export const experimentConfigFields = z.strictObject({
  name: experimentNameSchema,
  objective: z.enum(OBJECTIVES).default("maximize"),
  /** The result key that is ranked, e.g. `max_accuracy`. */
  metric: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(100)
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, { error: "must be an identifier (letters, digits, _ . -)" })
    .refine((s) => s !== "__proto__", { error: "__proto__ is not accepted as a metric name" }),
  populationSize: z.int().min(1).max(10_000),
  stop: z.strictObject({
    /** Lineage depth: a member is finished once its latest job is of generation maxGenerations - 1. */
    maxGenerations: z.int().min(1).max(1_000_000),
    /** The experiment is done as soon as a job's score reaches this (>= when maximizing, <= when minimizing). */
    target: finite.optional(),
    /** A budget of training jobs (every generation of every member; retries of a crashed job do not count). */
    maxJobs: z.int().min(1).max(1_000_000_000).optional(),
  }),
  mode: z.enum(MODES).default("async"),
  /**
   * sync mode: the fraction of the population that must have finished generation g before the
   * decisions for generation g + 1 are taken; the others join as they finish (so one slow worker
   * cannot stall the run, at the price of reproducibility). 1 waits for everyone.
   */
  syncQuorum: finite.refine((q) => q > 0 && q <= 1, { error: "must be greater than 0 and at most 1" }).default(1),
  exploit: exploitSchema.default({ kind: "truncate", fraction: 0.2 }),
  hyperparameters: z
    .record(
      z.string().regex(HYPERPARAMETER_NAME, {
        error: "hyperparameter names are identifiers (letters, digits, _ . -; at most 64 characters)",
      }),
      hyperparameterSchema,
    )
    .refine((h) => Object.keys(h).length <= 100, { error: "at most 100 hyperparameters" }),
  /** How long a worker holds a job without a heartbeat before the job is considered crashed. */
  leaseSeconds: z
    .int()
    .min(5)
    .max(7 * 24 * 3600)
    .default(300),
  /** How many times a crashed generation is queued again before the member gives up. */
  maxRetries: z.int().min(0).max(100).default(3),
  /**
   * A member whose job used up its retries: "replace" copies a top donor into its next job (an
   * exploit whose reason is the failure); "drop" leaves it finished. Either way it is never a
   * donor and does not count in the ranking.
   */
  failedMembers: z.enum(FAILED_MEMBER_POLICIES).default("replace"),
  /** Garbage collection of the checkpoints workers upload to the server. */
  checkpoints: checkpointRetentionSchema.default({ retain: "needed" }),
  /** Seeds every random decision; omitted, the server picks one and stores it. */
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** Experiment-level explore (experimentExploreSchema); omitted: each hyperparameter's own. */
  explore: experimentExploreSchema.optional(),
  /** Follow a schedule instead of searching (replaySchema). */
  replay: replaySchema.optional(),
  /** Start the population from another job's checkpoint (forkSchema). */
  fork: forkSchema.optional(),
});

export const experimentConfigSchema = experimentConfigFields.superRefine((config, ctx) => {
  if (config.explore?.kind === "pb2") {
    const explored = Object.values(config.hyperparameters).some((h) => PB2_KINDS.has(h.init.kind) && h.explore !== undefined && h.explore.kind !== "shift");
    if (!explored) {
      ctx.addIssue({
        code: "custom",
        path: ["explore", "kind"],
        message: "pb2 explores the uniform, loguniform and int hyperparameters that have an explore strategy: give at least one of them one",
      });
    }
  }
  if (config.replay) {
    if (config.exploit !== undefined && config.exploit.kind !== "none") {
      ctx.addIssue({ code: "custom", path: ["exploit", "kind"], message: "a replay follows its schedule: exploit must be none" });
    }
    if (config.stop.maxGenerations > config.replay.steps.length) {
      ctx.addIssue({
        code: "custom",
        path: ["stop", "maxGenerations"],
        message: `a replay follows its schedule of ${config.replay.steps.length} steps: at most ${config.replay.steps.length} generations`,
      });
    }
    if (config.fork) ctx.addIssue({ code: "custom", path: ["fork"], message: "a replay starts from scratch: give replay or fork, not both" });
  }
});
export type ExperimentConfigInput = z.input<typeof experimentConfigSchema>;
export type ExperimentConfig = z.output<typeof experimentConfigSchema> & { seed: number };

export const EXPERIMENT_STATUSES = ["running", "paused", "done"] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export const JOB_STATUSES = ["queued", "running", "done", "crashed", "pruned"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** `fork`: a forked member's first job, continuing another experiment's job (its parent). */
export const JOB_ORIGINS = ["initial", "manual", "continue", "exploit", "fork"] as const;
export type JobOrigin = (typeof JOB_ORIGINS)[number];

/**
 * Why a member exploited: it ranked in the bottom quantile (truncate), lost its tournament, used up
 * its retries (exhausted) or reported a diverged result.
 */
export const EXPLOIT_REASONS = ["truncate", "tournament", "exhausted", "diverged"] as const;
export type ExploitReason = (typeof EXPLOIT_REASONS)[number];

/**
 * How a worker reports a non-finite metric (a run that diverged): JSON has no NaN or Infinity, so
 * these strings stand for them (the convention of protobuf's JSON mapping).
 */
export const NON_FINITE_STRINGS = ["NaN", "Infinity", "-Infinity"] as const;

/** One change explore made to a hyperparameter. */
export const mutationSchema = z.object({
  parameter: z.string(),
  old: jsonValue,
  new: jsonValue,
  /** e.g. "perturb*1.2", "resample", "shift+1". */
  operation: z.string(),
});
export type Mutation = z.infer<typeof mutationSchema>;

export type Hyperparameters = Record<string, z.infer<typeof jsonValue>>;
