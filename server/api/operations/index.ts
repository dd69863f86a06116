// Every API operation, one file each, grouped as the tRPC router shows them (trpc.experiments.create
// and so on). Adding an operation: a file beside this one, a line here, and its SDK methods.
import { archiveExperiment } from "./archiveExperiment";
import { compareExperiments } from "./compareExperiments";
import { checkpointUsage } from "./checkpointUsage";
import { complete } from "./complete";
import { createExperiment } from "./createExperiment";
import { createToken } from "./createToken";
import { dashboardCurves } from "./dashboardCurves";
import { dashboardJob } from "./dashboardJob";
import { dashboardOverview } from "./dashboardOverview";
import { dashboardResults } from "./dashboardResults";
import { deleteExperiment } from "./deleteExperiment";
import { downloadBestCheckpoint } from "./downloadBestCheckpoint";
import { downloadCheckpoint } from "./downloadCheckpoint";
import { downloadParentCheckpoint } from "./downloadParentCheckpoint";
import { exportJobs } from "./exportJobs";
import { extendExperiment } from "./extendExperiment";
import { fail } from "./fail";
import { getAnalysis } from "./getAnalysis";
import { getExperiment } from "./getExperiment";
import { getJob } from "./getJob";
import { getSchedule } from "./getSchedule";
import { heartbeat } from "./heartbeat";
import { listEvents } from "./listEvents";
import { listExperiments } from "./listExperiments";
import { listJobs } from "./listJobs";
import { listTokens } from "./listTokens";
import { logMetrics } from "./logMetrics";
import { nextJob } from "./nextJob";
import { pinCheckpoint } from "./pinCheckpoint";
import { pushJob } from "./pushJob";
import { replaySchedule } from "./replaySchedule";
import { revokeToken } from "./revokeToken";
import { setExperimentStatus } from "./setExperimentStatus";
import { uploadCheckpoint } from "./uploadCheckpoint";
import type { Operation } from "./define";

export { checkOutput, type ApiContext, type Operation } from "./define";

export const operationGroups = {
  experiments: {
    create: createExperiment,
    list: listExperiments,
    get: getExperiment,
    setStatus: setExperimentStatus,
    archive: archiveExperiment,
    extend: extendExperiment,
    replay: replaySchedule,
    delete: deleteExperiment,
    events: listEvents,
    schedule: getSchedule,
    export: exportJobs,
  },
  jobs: { list: listJobs, get: getJob, push: pushJob },
  worker: { nextJob, heartbeat, logMetrics, complete, fail },
  checkpoints: {
    upload: uploadCheckpoint,
    download: downloadCheckpoint,
    downloadParent: downloadParentCheckpoint,
    downloadBest: downloadBestCheckpoint,
    pin: pinCheckpoint,
    usage: checkpointUsage,
  },
  tokens: { list: listTokens, create: createToken, revoke: revokeToken },
  analysis: { experiment: getAnalysis, compare: compareExperiments },
  dashboard: { overview: dashboardOverview, curves: dashboardCurves, job: dashboardJob, results: dashboardResults },
};

/** Every operation, flat. */
export const operations: Operation[] = Object.values(operationGroups).flatMap((group) => Object.values(group) as Operation[]);
