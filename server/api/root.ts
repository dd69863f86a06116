// The tRPC router, built from the operations (server/api/operations): trpc.experiments.create and
// so on, one procedure per operation file.
import { operationGroups } from "./operations";
import { createCallerFactory, proceduresOf, router } from "./trpc";

export const appRouter = router({
  experiments: router(proceduresOf(operationGroups.experiments)),
  jobs: router(proceduresOf(operationGroups.jobs)),
  worker: router(proceduresOf(operationGroups.worker)),
  checkpoints: router(proceduresOf(operationGroups.checkpoints)),
  tokens: router(proceduresOf(operationGroups.tokens)),
  dashboard: router(proceduresOf(operationGroups.dashboard)),
  analysis: router(proceduresOf(operationGroups.analysis)),
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
