// The dashboard's URLs, built in one place. Experiment names are any printable unicode, so they
// are percent-encoded into a single path segment.

export function experimentHref(name: string) {
  return `/experiments/${encodeURIComponent(name)}`;
}
