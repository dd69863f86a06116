import { dashboardRouter } from "./routers/dashboard";
import { experimentsRouter } from "./routers/experiments";
import { jobsRouter } from "./routers/jobs";
import { workerRouter } from "./routers/worker";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  experiments: experimentsRouter,
  jobs: jobsRouter,
  worker: workerRouter,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
