// The events of an experiment's log: one discriminated union on `type`, each with its typed
// payload. The scheduler writes them (server/scheduler/experimentLock.ts: EventLog), the API lists
// them, socket.io streams them, and the browser folds them into its live model (projection.ts).
import { z } from "zod";
import { EXPERIMENT_STATUSES, EXPLOIT_REASONS, JOB_ORIGINS, JOB_STATUSES, jsonValue, mutationSchema } from "../pbt/config";
import { isoDate } from "./json";

const hyperparameters = z.record(z.string(), jsonValue);
const stopRule = z.object({ maxGenerations: z.int(), maxJobs: z.int().optional(), target: z.number().optional() });

/** Each event type and what its `data` holds. */
export const eventPayloads = {
  "experiment.created": z.object({ config: z.record(z.string(), jsonValue) }),
  /** A new job: a member's first, its next generation, a retry, or one pushed by hand. */
  "job.created": z.object({
    generation: z.int(),
    attempt: z.int(),
    origin: z.enum(JOB_ORIGINS),
    parentId: z.int().nullable(),
    /** After an exploit (a retry of one included): the donor's job and why (absent in events of earlier versions). */
    donorJobId: z.int().nullable().optional(),
    exploitReason: z.enum(EXPLOIT_REASONS).nullable().optional(),
    status: z.enum(JOB_STATUSES),
    hyperparameters,
  }),
  "job.started": z.object({ generation: z.int(), attempt: z.int(), workerId: z.string() }),
  "job.finished": z.object({
    generation: z.int(),
    attempt: z.int(),
    /** The experiment's metric; null for a diverged run. */
    score: z.number().nullable(),
    diverged: z.boolean(),
  }),
  "job.crashed": z.object({
    generation: z.int(),
    attempt: z.int(),
    reason: z.enum(["failed", "lease-expired"]),
    /** The worker's error text, at most 2,000 characters. */
    error: z.string(),
  }),
  /** A member's job used up its retries; `next` says whether it rejoins by copying a donor. */
  "member.exhausted": z.object({ generation: z.int(), attempts: z.int(), next: z.enum(["replace", "drop"]) }),
  exploit: z.object({
    generation: z.int(),
    donorMember: z.int(),
    donorJobId: z.int(),
    donorGeneration: z.int(),
    reason: z.enum(EXPLOIT_REASONS),
  }),
  explore: z.object({ generation: z.int(), mutations: z.array(mutationSchema) }),
  "experiment.status": z.object({ from: z.enum(EXPERIMENT_STATUSES), to: z.enum(EXPERIMENT_STATUSES), reason: z.string() }),
  /** The stopping rule was raised (extend): the members carry on from where they stand. */
  "experiment.extended": z.object({ from: stopRule, to: stopRule }),
  /** Queued jobs the experiment's end left unrun (`jobIds`: absent in events of earlier versions). */
  "jobs.pruned": z.object({ count: z.int(), jobIds: z.array(z.int()).optional() }),
  /** The job's worker uploaded its checkpoint (`replaced`: it had uploaded one before, now deleted). */
  "checkpoint.stored": z.object({ generation: z.int(), size: z.int(), sha256: z.string(), replaced: z.boolean() }),
  /** Garbage collection deleted checkpoints no later job can load. */
  "checkpoints.deleted": z.object({ count: z.int(), bytes: z.int(), jobIds: z.array(z.int()) }),
  "checkpoint.pinned": z.object({ pinned: z.boolean() }),
};

export type EventType = keyof typeof eventPayloads;
export const EVENT_TYPES = Object.keys(eventPayloads) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventPayloads)[T]>;

const common = {
  experimentId: z.int(),
  /** 1, 2, 3, … per experiment, without gaps, in commit order. */
  seq: z.int(),
  jobId: z.int().nullable(),
  member: z.int().nullable(),
  createdAt: isoDate,
};

function eventOf<T extends EventType>(type: T) {
  return z.object({ ...common, type: z.literal(type), data: eventPayloads[type] as (typeof eventPayloads)[T] });
}

export const eventSchema = z.discriminatedUnion("type", [
  eventOf("experiment.created"),
  eventOf("job.created"),
  eventOf("job.started"),
  eventOf("job.finished"),
  eventOf("job.crashed"),
  eventOf("member.exhausted"),
  eventOf("exploit"),
  eventOf("explore"),
  eventOf("experiment.status"),
  eventOf("experiment.extended"),
  eventOf("jobs.pruned"),
  eventOf("checkpoint.stored"),
  eventOf("checkpoints.deleted"),
  eventOf("checkpoint.pinned"),
]);
export type LineageEvent = z.infer<typeof eventSchema>;
export type EventOf<T extends EventType> = Extract<LineageEvent, { type: T }>;
