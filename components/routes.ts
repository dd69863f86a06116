// The dashboard's URLs, built in one place. Experiment names are any printable unicode, so they
// are percent-encoded into a single path segment.

export function experimentHref(name: string) {
  return `/experiments/${encodeURIComponent(name)}`;
}

export function jobHref(id: number) {
  return `/jobs/${id}`;
}

export function newExperimentHref(cloneOf?: string) {
  return cloneOf === undefined ? "/experiments/new" : `/experiments/new?from=${encodeURIComponent(cloneOf)}`;
}

/** The worker HTTP API's address of an experiment (for downloads). */
export function experimentApiPath(name: string) {
  return `/api/v1/experiments/${encodeURIComponent(name)}`;
}
