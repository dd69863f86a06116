// Lineage's TypeScript SDK: a client for experiments and workers.
export { Client, Experiment, type ClientOptions, type NextJobOptions, type ExperimentData, type EventData } from "./client";
export { Job, toWire, type JobData, type Results } from "./job";
export { runWorker, type RunWorkerOptions } from "./worker";
export { ApiError, LeaseExpiredError, ConnectionError, MetricNotSetError } from "./errors";
export type { ExperimentConfigInput } from "../server/pbt/config";
