import { operations } from "../operations";
import { mutation, router } from "../trpc";

/** The worker's calls, for the TypeScript SDK; other languages use the same over /api/v1. */
export const workerRouter = router({
  nextJob: mutation(operations.nextJob),
  heartbeat: mutation(operations.heartbeat),
  logMetrics: mutation(operations.logMetrics),
  complete: mutation(operations.complete),
  fail: mutation(operations.fail),
});
