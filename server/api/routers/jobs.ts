import { operations } from "../operations";
import { mutation, query, router } from "../trpc";

export const jobsRouter = router({
  list: query(operations.listJobs),
  get: query(operations.getJob),
  push: mutation(operations.pushJob),
});
