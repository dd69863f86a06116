// The experiment's name from its pages' route segment (the analysis page's; the overview's page.tsx
// has its own copy of this function, to be switched to this one).
export type ExperimentParams = Promise<{ name: string }>;

/** The route segment as the experiment's name (`/experiments/<encodeURIComponent(name)>`). */
export async function experimentName(params: ExperimentParams) {
  const { name } = await params;
  try {
    return decodeURIComponent(name);
  } catch {
    return name; // not percent-encoded after all (e.g. a lone "%"): take it as it is
  }
}
