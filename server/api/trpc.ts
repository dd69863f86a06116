// tRPC set-up: the context, errors in our format, and procedures built from the operation table.
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { z } from "zod";
import { authorize } from "../auth/request";
import { fromZodError, INTERNAL_ERROR_BODY, LineageError } from "../domain/errors";
import { MAX_BATCH_SIZE } from "../domain/limits";
import { checkRawInput } from "./rawInput";
import { checkOutput, type ApiContext, type Operation } from "./operations";

const TRPC_CODES: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** Our error for whatever a procedure threw, or null for an unexpected failure. */
function lineageErrorOf(error: TRPCError): LineageError | null {
  const cause = error.cause;
  if (cause instanceof LineageError) return cause;
  if (cause instanceof z.ZodError) return fromZodError(cause);
  // tRPC's own refusal of a batch over maxBatchSize (its message, if it ever changes, still says so).
  if (error.code === "BAD_REQUEST" && /^Batch call exceeds maximum size/.test(error.message)) {
    return new LineageError("batch_too_large", `a tRPC request may batch at most ${MAX_BATCH_SIZE} calls; send the others in further requests`);
  }
  return null;
}

const INTERNAL = INTERNAL_ERROR_BODY.error;

/** Each procedure's meta says what access it needs (tests walk the router with it). */
export interface ProcedureMeta {
  access: Operation["access"];
}

const t = initTRPC
  .context<ApiContext>()
  .meta<ProcedureMeta>()
  .create({
    // Stack traces stay in the server's log, not in answers.
    isDev: false,
    errorFormatter({ shape, error }) {
      const lineage = lineageErrorOf(error);
      // An unexpected failure's message may carry Prisma's or PostgreSQL's text: it stays in the
      // server's log (main.ts's onError), and the answer says what the HTTP API says.
      if (!lineage && error.code === "INTERNAL_SERVER_ERROR") {
        return { ...shape, message: INTERNAL.message, data: { ...shape.data, lineage: INTERNAL } };
      }
      return {
        ...shape,
        message: lineage?.message ?? shape.message,
        data: { ...shape.data, lineage: lineage ? lineage.toBody().error : null },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const withLineageErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof LineageError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODES[cause.status] ?? "INTERNAL_SERVER_ERROR", message: cause.message, cause });
  }
  return result;
});

export const publicProcedure = t.procedure.use(withLineageErrors);

/** Checks the caller's credentials against what the operation needs, before its input is read. */
function guarded(operation: Operation) {
  return publicProcedure.meta({ access: operation.access }).use(async ({ ctx, next, getRawInput }) => {
    if (ctx.authError) throw ctx.authError;
    authorize(ctx.principal, operation.access, ctx.request ?? { headers: {} });
    // Before the input schema, as the HTTP API does (rawInput.ts).
    checkRawInput(await getRawInput());
    return next();
  });
}

/** Runs the operation's handler and checks its answer (in tests) against the operation's output schema. */
async function run<I extends z.ZodType, O>(operation: Operation<I, O>, ctx: ApiContext, input: z.output<I>): Promise<O> {
  const output = await operation.handler(ctx, input);
  checkOutput(operation as Operation, output);
  return output;
}

/** tRPC procedures doing exactly what the operation does (the HTTP API runs the same handler). */
export function query<I extends z.ZodType, O>(operation: Operation<I, O, "query">) {
  return guarded(operation as Operation)
    .input(operation.input)
    .query(({ ctx, input }) => run(operation, ctx, input as z.output<I>));
}

export function mutation<I extends z.ZodType, O>(operation: Operation<I, O, "mutation">) {
  return guarded(operation as Operation)
    .input(operation.input)
    .mutation(({ ctx, input }) => run(operation, ctx, input as z.output<I>));
}

type ProcedureOf<Op> =
  Op extends Operation<infer I, infer O, "query">
    ? ReturnType<typeof query<I, O>>
    : Op extends Operation<infer I, infer O, "mutation">
      ? ReturnType<typeof mutation<I, O>>
      : never;

/** A group of operations as a tRPC router: each a query or a mutation as its kind says; HTTP-only ones left out. */
type ProceduresOf<G> = { [K in keyof G as G[K] extends { trpc: false } ? never : K]: ProcedureOf<G[K]> };

export function proceduresOf<G extends Record<string, Operation<z.ZodType, unknown, "query"> | Operation<z.ZodType, unknown, "mutation">>>(
  group: G,
): ProceduresOf<G> {
  const procedures: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(group)) {
    if (operation.trpc === false) continue;
    procedures[name] =
      operation.kind === "query"
        ? query(operation as Operation<z.ZodType, unknown, "query">)
        : mutation(operation as Operation<z.ZodType, unknown, "mutation">);
  }
  return procedures as ProceduresOf<G>;
}
