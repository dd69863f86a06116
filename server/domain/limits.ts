// How much one request may ask for. Shared by the server and its clients (the dashboard's batch
// link, the SDKs' page loops), so this file imports nothing.

/**
 * Calls one tRPC request may batch: tRPC refuses a bigger batch with 400 before reading its
 * input (server/main.ts), and the dashboard's batch link sends at most this many.
 */
export const MAX_BATCH_SIZE = 10;

/** Items of a list (jobs, events, experiments) in one page: the default and the most a client may ask for. */
export const MAX_PAGE_SIZE = 1_000;

/**
 * A page stops short of its limit once its items' JSON passes this many bytes (a job's results may
 * be large): what one list call answers stays bounded whatever the rows hold.
 */
export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
