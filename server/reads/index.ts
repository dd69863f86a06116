// Reads: lists, single records, exports, schedules and the dashboard's read models. Apart from the
// locked write path (server/scheduler): they never lock and never write. See deps.ts for when a
// read uses Prisma and when SQL.
export type { ReadDeps } from "./deps";
export { getExperiment, listExperiments } from "./experiments";
export { getJob, listJobs, listJobsById, listJobsPage, type JobFilter } from "./jobs";
export { listEvents, listEventsById, listEventsPage } from "./events";
export { exportJobs, getBestSchedule, type ExportFile } from "./export";
export { experimentOverview } from "./dashboard/overview";
export { metricCurves } from "./dashboard/curves";
export { jobDetail } from "./dashboard/job";
export { compareExperiments, experimentAnalysis } from "./analysis";
export { jobCheckpoint, parentCheckpoint, bestCheckpoint, checkpointUsage, type CheckpointFile } from "./checkpoints";
export { memberResults } from "./dashboard/results";
