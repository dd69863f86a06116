import { operations } from "../operations";

// operations.exportJobs is served by the HTTP API only: it streams a file, which tRPC answers cannot.
import { mutation, query, router } from "../trpc";

export const experimentsRouter = router({
  create: mutation(operations.createExperiment),
  list: query(operations.listExperiments),
  get: query(operations.getExperiment),
  setStatus: mutation(operations.setExperimentStatus),
  delete: mutation(operations.deleteExperiment),
  events: query(operations.listEvents),
  schedule: query(operations.getSchedule),
});
