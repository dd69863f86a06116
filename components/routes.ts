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

export function analysisHref(name: string) {
  return `${experimentHref(name)}/analysis`;
}

/** The comparison of these experiments (any number; the page asks for more while there are fewer than two). */
export function compareHref(names: string[] = []) {
  const query = new URLSearchParams(names.map((n) => ["e", n])).toString();
  return query ? `/compare?${query}` : "/compare";
}
