import { operations } from "../operations";
import { query, router } from "../trpc";

export const dashboardRouter = router({
  overview: query(operations.dashboardOverview),
  curves: query(operations.dashboardCurves),
  job: query(operations.dashboardJob),
});
