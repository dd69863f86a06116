// Every API operation defined once: its input and output schemas, its HTTP route, and what it
// does. tRPC procedures (server/api/routers) and the worker HTTP API (server/api/http.ts) are
// both built from this table, and so is the OpenAPI document.
import { z } from "zod";
import type { Scheduler } from "../scheduler";
import type { Access, Principal } from "../auth/roles";
import type { LineageError } from "./errors";
import { createToken, listTokens, revokeToken } from "../auth/tokens";
import {
  eventOutput,
  experimentOutput,
  heartbeatOutput,
  inputs,
  jobOutput,
  nextJobOutput,
  tokenOutput,
} from "./schemas";
import { pageOutput } from "./paging";
import { metricCurves } from "../dashboard/curves";
import { jobDetail } from "../dashboard/job";
import { experimentOverview } from "../dashboard/overview";

export interface ApiContext {
  scheduler: Scheduler;
  principal: Principal;
  /** The HTTP request's method and headers (for the CSRF check on browser sessions). */
  request?: { method?: string; headers: Record<string, string | string[] | undefined> };
  /** Set when the request's credentials were refused: every procedure answers with it. */
  authError?: LineageError;
}

/** Types of path and query parameters, which arrive as text over HTTP. */
type ParamType = "string" | "integer";

export interface Operation<I extends z.ZodType = z.ZodType, O = unknown> {
  summary: string;
  /** What the caller's token must grant (server/auth/roles.ts). */
  access: Access;
  kind: "query" | "mutation";
  http?: {
    method: "GET" | "POST" | "DELETE" | "PUT";
    path: string;
    params?: Record<string, ParamType>;
    status?: number;
    /** The handler returns a file ({ contentType, filename, body }) sent as is rather than as JSON. */
    file?: boolean;
    /** The handler returns a page ({ items, nextCursor }): the answer is the items, with a `Link: <…>; rel="next"` header. */
    paged?: boolean;
  };
  tags: string[];
  input: I;
  output: z.ZodType;
  handler: (ctx: ApiContext, input: z.output<I>) => Promise<O>;
}

function op<I extends z.ZodType, O>(o: Operation<I, O>): Operation<I, O> {
  return o;
}

const summaryOutput = z.record(z.string(), z.unknown());
const jobWithExperiment = jobOutput.extend({ experiment: z.string() });

export const operations = {
  listTokens: op({
    access: "manage",
    summary: "List API tokens (never the tokens themselves)",
    kind: "query",
    tags: ["tokens"],
    http: { method: "GET", path: "/tokens" },
    input: z.strictObject({}).optional(),
    output: z.array(tokenOutput),
    handler: (ctx) => listTokens(ctx.scheduler.deps.prisma),
  }),
  createToken: op({
    access: "manage",
    summary: "Create an API token; the answer is the only time the token is shown",
    kind: "mutation",
    tags: ["tokens"],
    http: { method: "POST", path: "/tokens", status: 201 },
    input: inputs.createToken,
    output: tokenOutput.extend({ token: z.string() }),
    handler: (ctx, input) => createToken(ctx.scheduler.deps.prisma, input),
  }),
  revokeToken: op({
    access: "manage",
    summary: "Revoke an API token",
    kind: "mutation",
    tags: ["tokens"],
    http: { method: "DELETE", path: "/tokens/{id}", params: { id: "integer" } },
    input: inputs.tokenRef,
    output: tokenOutput,
    handler: (ctx, input) => revokeToken(ctx.scheduler.deps, input.id),
  }),
  createExperiment: op({
    access: "manage",
    summary: "Create an experiment",
    kind: "mutation",
    tags: ["experiments"],
    http: { method: "POST", path: "/experiments", status: 201 },
    input: inputs.createExperiment,
    output: experimentOutput,
    handler: (ctx, input) => ctx.scheduler.createExperiment(input),
  }),
  listExperiments: op({
    access: "read",
    summary: "List experiments with their progress, newest first, a page at a time",
    kind: "query",
    tags: ["experiments"],
    http: { method: "GET", path: "/experiments", params: { cursor: "string", limit: "integer" }, paged: true },
    input: inputs.listExperiments,
    output: pageOutput(summaryOutput),
    handler: (ctx, input) => ctx.scheduler.listExperiments(input),
  }),
  getExperiment: op({
    access: "read",
    summary: "Get an experiment",
    kind: "query",
    tags: ["experiments"],
    http: { method: "GET", path: "/experiments/{name}", params: { name: "string" } },
    input: inputs.experimentRef,
    output: experimentOutput,
    handler: (ctx, input) => ctx.scheduler.getExperiment(input.name),
  }),
  setExperimentStatus: op({
    access: "manage",
    summary: "Pause, resume or stop an experiment",
    kind: "mutation",
    tags: ["experiments"],
    http: { method: "POST", path: "/experiments/{name}/status", params: { name: "string" } },
    input: inputs.setStatus,
    output: experimentOutput,
    handler: (ctx, input) => ctx.scheduler.setExperimentStatus(input.name, input.status),
  }),
  deleteExperiment: op({
    access: "manage",
    summary: "Delete an experiment and all its jobs",
    kind: "mutation",
    tags: ["experiments"],
    http: { method: "DELETE", path: "/experiments/{name}", params: { name: "string" } },
    input: inputs.experimentRef,
    output: z.object({ deleted: z.literal(true) }),
    handler: (ctx, input) => ctx.scheduler.deleteExperiment(input.name),
  }),
  listJobs: op({
    access: "read",
    summary: "List an experiment's jobs, oldest first, a page at a time",
    kind: "query",
    tags: ["jobs"],
    http: {
      method: "GET",
      path: "/experiments/{name}/jobs",
      params: { name: "string", member: "integer", status: "string", cursor: "string", limit: "integer" },
      paged: true,
    },
    input: inputs.listJobs,
    output: pageOutput(jobOutput),
    handler: (ctx, input) => ctx.scheduler.listJobsPage(input.name, input),
  }),
  pushJob: op({
    access: "manage",
    summary: "Push a job by hand (a new member, or the next generation of a finished one)",
    kind: "mutation",
    tags: ["jobs"],
    http: { method: "POST", path: "/experiments/{name}/jobs", params: { name: "string" }, status: 201 },
    input: inputs.pushJob,
    output: jobOutput,
    handler: (ctx, input) => ctx.scheduler.pushJob(input.name, { hyperparameters: input.hyperparameters, member: input.member }),
  }),
  getJob: op({
    access: "read",
    summary: "Get a job",
    kind: "query",
    tags: ["jobs"],
    http: { method: "GET", path: "/jobs/{id}", params: { id: "integer" } },
    input: inputs.jobRef,
    output: jobWithExperiment,
    handler: (ctx, input) => ctx.scheduler.getJob(input.id),
  }),
  listEvents: op({
    access: "read",
    summary: "An experiment's events after a sequence number, a page at a time",
    kind: "query",
    tags: ["experiments"],
    http: {
      method: "GET",
      path: "/experiments/{name}/events",
      params: { name: "string", afterSeq: "integer", cursor: "string", limit: "integer" },
      paged: true,
    },
    input: inputs.listEvents,
    output: pageOutput(eventOutput),
    handler: (ctx, input) => ctx.scheduler.listEventsPage(input.name, input),
  }),
  getSchedule: op({
    access: "read",
    summary: "The best schedule: hyperparameters along the best job's ancestry, generation 0 first",
    kind: "query",
    tags: ["experiments"],
    http: { method: "GET", path: "/experiments/{name}/schedule", params: { name: "string" } },
    input: inputs.experimentRef,
    output: z.object({
      experiment: z.string(),
      objective: z.string(),
      metric: z.string(),
      schedule: z
        .object({
          bestJobId: z.int(),
          score: z.number(),
          steps: z.array(z.record(z.string(), z.unknown())),
        })
        .nullable(),
    }),
    handler: (ctx, input) => ctx.scheduler.getBestSchedule(input.name),
  }),
  exportJobs: op({
    access: "read",
    summary: "All jobs of an experiment as a CSV or JSON file (streamed; HTTP only)",
    kind: "query",
    tags: ["experiments"],
    http: { method: "GET", path: "/experiments/{name}/export", params: { name: "string", format: "string" }, file: true },
    input: inputs.exportJobs,
    output: z.array(jobOutput).describe("JSON: every job, oldest first; CSV: one row per job, one column per hyperparameter"),
    handler: (ctx, input) => ctx.scheduler.exportJobs(input.name, input.format),
  }),
  nextJob: op({
    access: "work",
    summary: "Ask for the next job (the answer may also be: wait, or done)",
    kind: "mutation",
    tags: ["worker"],
    http: { method: "POST", path: "/experiments/{name}/next-job", params: { name: "string" } },
    input: inputs.nextJob,
    output: nextJobOutput,
    handler: (ctx, input) => ctx.scheduler.nextJob(input.name, input.workerId),
  }),
  heartbeat: op({
    access: "work",
    summary: "Extend the lease on a running job",
    kind: "mutation",
    tags: ["worker"],
    http: { method: "POST", path: "/jobs/{id}/heartbeat", params: { id: "integer" } },
    input: inputs.heartbeat,
    output: heartbeatOutput,
    handler: (ctx, input) => ctx.scheduler.heartbeat(input.id, input.leaseToken),
  }),
  logMetrics: op({
    access: "work",
    summary: "Report intermediate metric points of a running job",
    kind: "mutation",
    tags: ["worker"],
    http: { method: "POST", path: "/jobs/{id}/metrics", params: { id: "integer" } },
    input: inputs.logMetrics,
    output: z.object({ stored: z.int() }),
    handler: (ctx, input) => ctx.scheduler.logMetrics(input.id, input.leaseToken, input.points),
  }),
  complete: op({
    access: "work",
    summary: "Finish a job with its results (which must hold the experiment's metric)",
    kind: "mutation",
    tags: ["worker"],
    http: { method: "POST", path: "/jobs/{id}/complete", params: { id: "integer" } },
    input: inputs.complete,
    output: jobOutput,
    handler: (ctx, input) => ctx.scheduler.completeJob(input.id, input.leaseToken, input.results),
  }),
  fail: op({
    access: "work",
    summary: "Give up on a job; it is marked crashed and retried up to the retry limit",
    kind: "mutation",
    tags: ["worker"],
    http: { method: "POST", path: "/jobs/{id}/fail", params: { id: "integer" } },
    input: inputs.fail,
    output: jobOutput,
    handler: (ctx, input) => ctx.scheduler.failJob(input.id, input.leaseToken, input.error),
  }),
  // The dashboard's read models (server/dashboard): tRPC only, no HTTP route.
  dashboardOverview: op({
    access: "read",
    summary: "An experiment's population: every job as a lineage node, one row per member, progress, the best lineage",
    kind: "query",
    tags: ["dashboard"],
    input: inputs.dashboardOverview,
    output: z.record(z.string(), z.unknown()),
    handler: (ctx, input) => experimentOverview(ctx.scheduler.deps.prisma, input.name),
  }),
  dashboardCurves: op({
    access: "read",
    summary: "Metric curves per member, downsampled to a point budget per series, with exploit marks and the best lineage",
    kind: "query",
    tags: ["dashboard"],
    input: inputs.dashboardCurves,
    output: z.record(z.string(), z.unknown()),
    handler: (ctx, input) => metricCurves(ctx.scheduler.deps.prisma, input.name, { metric: input.metric, budget: input.budget }),
  }),
  dashboardJob: op({
    access: "read",
    summary: "A job with its donor, children, ancestry back to generation 0 and its lineage's curve",
    kind: "query",
    tags: ["dashboard"],
    input: inputs.dashboardJob,
    output: z.record(z.string(), z.unknown()),
    handler: (ctx, input) => jobDetail(ctx.scheduler.deps.prisma, input.id),
  }),
};

export type OperationName = keyof typeof operations;
