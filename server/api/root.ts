import { dashboardRouter } from "./routers/dashboard";
import { experimentsRouter } from "./routers/experiments";
import { jobsRouter } from "./routers/jobs";
import { tokensRouter } from "./routers/tokens";
import { workerRouter } from "./routers/worker";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  experiments: experimentsRouter,
  jobs: jobsRouter,
  worker: workerRouter,
  tokens: tokensRouter,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
