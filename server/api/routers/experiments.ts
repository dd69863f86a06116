import { operations } from "../operations";
import { mutation, query, router } from "../trpc";

export const experimentsRouter = router({
  create: mutation(operations.createExperiment),
  list: query(operations.listExperiments),
  get: query(operations.getExperiment),
  setStatus: mutation(operations.setExperimentStatus),
  delete: mutation(operations.deleteExperiment),
  events: query(operations.listEvents),
  schedule: query(operations.getSchedule),
  export: query(operations.exportJobs),
});
