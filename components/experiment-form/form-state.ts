// The new-experiment form's state (text as typed) and its conversion to and from the experiment
// config, which is then checked by the server's own schema (experimentConfigSchema).
import type { ExperimentConfigInput } from "@/server/pbt/config";

export const DISTRIBUTION_KINDS = ["uniform", "loguniform", "normal", "int", "choice", "const"] as const;
export const EXPLORE_KINDS = ["none", "perturb", "resample", "shift", "pb2"] as const;
/** Experiment-level explore: each hyperparameter's own strategy (PBT), or PB2 for the bounded numeric ones. */
export const SEARCH_KINDS = ["pbt", "pb2"] as const;
export type DistributionKind = (typeof DISTRIBUTION_KINDS)[number];
export type ExploreKind = (typeof EXPLORE_KINDS)[number];

export interface HyperparameterRow {
  /** Stable React key; the name can change. */
  key: string;
  name: string;
  kind: DistributionKind;
  low: string;
  high: string;
  mean: string;
  std: string;
  /** choice: a JSON list, or comma-separated values. */
  values: string;
  weights: string;
  /** const: a JSON value or a bare string. */
  value: string;
  explore: ExploreKind;
  /** perturb/resample: "range" (minFactor..maxFactor) or "factors" (one of a list). */
  factorMode: "range" | "factors";
  minFactor: string;
  maxFactor: string;
  factors: string;
  probability: string;
}

export interface FormState {
  name: string;
  objective: "maximize" | "minimize";
  metric: string;
  populationSize: string;
  maxGenerations: string;
  /** stop.target: "" for none. */
  target: string;
  /** stop.maxJobs: "" for none. */
  maxJobs: string;
  mode: "async" | "sync";
  syncQuorum: string;
  exploit: "truncate" | "tournament" | "none";
  fraction: string;
  leaseSeconds: string;
  maxRetries: string;
  failedMembers: "replace" | "drop";
  /** checkpoints.retain: which checkpoints uploaded to the server are kept. */
  checkpointRetain: "needed" | "all";
  /** checkpoints.keepLast: "" for none. */
  keepLast: string;
  seed: string;
  /** Experiment-level explore: "pbt" leaves it out. */
  search: (typeof SEARCH_KINDS)[number];
  /** The job a fork continues from ("Continue from here"); "" for none. */
  forkJobId: string;
  hyperparameters: HyperparameterRow[];
}

let nextKey = 0;
export const newKey = () => `hp-${nextKey++}`;

export function emptyRow(name = ""): HyperparameterRow {
  return {
    key: newKey(),
    name,
    kind: "loguniform",
    low: "0.0001",
    high: "0.1",
    mean: "0",
    std: "1",
    values: "",
    weights: "",
    value: "",
    explore: "perturb",
    factorMode: "range",
    minFactor: "0.8",
    maxFactor: "1.2",
    factors: "0.8, 1.2",
    probability: "0.25",
  };
}

export function initialState(): FormState {
  return {
    name: "",
    objective: "maximize",
    metric: "accuracy",
    populationSize: "8",
    maxGenerations: "20",
    target: "",
    maxJobs: "",
    mode: "async",
    syncQuorum: "1",
    exploit: "truncate",
    fraction: "0.2",
    leaseSeconds: "300",
    maxRetries: "3",
    failedMembers: "replace",
    checkpointRetain: "needed",
    keepLast: "",
    seed: "",
    search: "pbt",
    forkJobId: "",
    hyperparameters: [emptyRow("lr")],
  };
}

/** "" → undefined (left out), otherwise a number (NaN when not one; the schema says so). */
function num(text: string): number | undefined {
  const t = text.trim();
  return t === "" ? undefined : Number(t);
}

function jsonOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A list typed as JSON (`["relu", "tanh"]`) or comma-separated (`relu, tanh` or `32, 64`). */
export function parseList(text: string): unknown[] | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  if (t.startsWith("[")) {
    try {
      const parsed = JSON.parse(t);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to comma-separated
    }
  }
  return t.split(",").map((s) => jsonOrString(s.trim()));
}

function listText(values: unknown[] | undefined): string {
  if (!values) return "";
  return values.every((v) => typeof v === "number" || (typeof v === "string" && !v.includes(",") && v.trim() === v && typeof jsonOrString(v) === "string"))
    ? values.join(", ")
    : JSON.stringify(values);
}

export function distributionOf(row: HyperparameterRow): unknown {
  switch (row.kind) {
    case "uniform":
    case "loguniform":
    case "int":
      return { kind: row.kind, low: num(row.low), high: num(row.high) };
    case "normal":
      return { kind: row.kind, mean: num(row.mean), std: num(row.std) };
    case "choice": {
      const weights = parseList(row.weights);
      return { kind: "choice", values: parseList(row.values) ?? [], ...(weights ? { weights } : {}) };
    }
    case "const":
      return { kind: "const", value: jsonOrString(row.value.trim()) };
  }
}

const NUMERIC_KINDS: readonly DistributionKind[] = ["uniform", "loguniform", "normal", "int"];

function exploreOf(row: HyperparameterRow): unknown {
  if (row.explore === "none") return undefined;
  if (row.explore === "shift") return { kind: "shift" };
  if (row.explore === "pb2") return { kind: "pb2" };
  // A choice or const is resampled from its prior; factors mean nothing to it.
  const factors = !NUMERIC_KINDS.includes(row.kind)
    ? {}
    : row.factorMode === "factors"
      ? { factors: parseList(row.factors) ?? [] }
      : {
          ...(num(row.minFactor) !== undefined ? { minFactor: num(row.minFactor) } : {}),
          ...(num(row.maxFactor) !== undefined ? { maxFactor: num(row.maxFactor) } : {}),
        };
  return row.explore === "resample" ? { kind: "resample", probability: num(row.probability), ...factors } : { kind: "perturb", ...factors };
}

/** The config as the schema sees it (not yet validated). */
export function toConfig(state: FormState): ExperimentConfigInput {
  const hyperparameters: Record<string, unknown> = {};
  for (const row of state.hyperparameters) {
    const explore = exploreOf(row);
    hyperparameters[row.name] = { init: distributionOf(row), ...(explore ? { explore } : {}) };
  }
  const seed = num(state.seed);
  const [target, maxJobs, keepLast] = [num(state.target), num(state.maxJobs), num(state.keepLast)];
  return {
    name: state.name,
    objective: state.objective,
    metric: state.metric,
    populationSize: num(state.populationSize),
    stop: { maxGenerations: num(state.maxGenerations), ...(target !== undefined ? { target } : {}), ...(maxJobs !== undefined ? { maxJobs } : {}) },
    mode: state.mode,
    ...(state.mode === "sync" ? { syncQuorum: num(state.syncQuorum) } : {}),
    exploit: state.exploit === "truncate" ? { kind: "truncate", fraction: num(state.fraction) } : { kind: state.exploit },
    hyperparameters,
    leaseSeconds: num(state.leaseSeconds),
    maxRetries: num(state.maxRetries),
    failedMembers: state.failedMembers,
    checkpoints: { retain: state.checkpointRetain, ...(keepLast !== undefined ? { keepLast } : {}) },
    ...(seed !== undefined ? { seed } : {}),
    ...(state.search === "pb2" ? { explore: { kind: "pb2" } } : {}),
    ...(state.forkJobId.trim() !== "" ? { fork: { jobId: num(state.forkJobId) } } : {}),
  } as unknown as ExperimentConfigInput;
}

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/** Fills the form from a config (a clone, or pasted JSON); unknown shapes fall back to defaults. */
export function fromConfig(config: Record<string, unknown>): FormState {
  const base = initialState();
  const c = config as Partial<{
    name: string;
    objective: FormState["objective"];
    metric: string;
    populationSize: number;
    stop: { maxGenerations?: number; target?: number; maxJobs?: number };
    mode: FormState["mode"];
    syncQuorum: number;
    failedMembers: FormState["failedMembers"];
    checkpoints: { retain?: FormState["checkpointRetain"]; keepLast?: number };
    exploit: { kind?: FormState["exploit"]; fraction?: number };
    hyperparameters: Record<string, { init?: Record<string, unknown>; explore?: Record<string, unknown> }>;
    leaseSeconds: number;
    maxRetries: number;
    seed: number;
    explore: { kind?: string };
    fork: { jobId?: number };
  }>;
  const rows = Object.entries(c.hyperparameters ?? {}).map(([name, h]) => {
    const row = emptyRow(name);
    const init = h?.init ?? {};
    if (typeof init.kind === "string" && (DISTRIBUTION_KINDS as readonly string[]).includes(init.kind)) row.kind = init.kind as DistributionKind;
    row.low = str(init.low ?? row.low);
    row.high = str(init.high ?? row.high);
    row.mean = str(init.mean ?? row.mean);
    row.std = str(init.std ?? row.std);
    row.values = listText(init.values as unknown[] | undefined);
    row.weights = init.weights ? (init.weights as number[]).join(", ") : "";
    row.value = init.kind === "const" ? (typeof init.value === "string" ? init.value : JSON.stringify(init.value)) : "";
    const explore = h?.explore;
    row.explore =
      explore && typeof explore.kind === "string" && (EXPLORE_KINDS as readonly string[]).includes(explore.kind) ? (explore.kind as ExploreKind) : "none";
    if (explore?.factors) {
      row.factorMode = "factors";
      row.factors = (explore.factors as number[]).join(", ");
    } else {
      row.minFactor = str(explore?.minFactor ?? row.minFactor);
      row.maxFactor = str(explore?.maxFactor ?? row.maxFactor);
    }
    row.probability = str(explore?.probability ?? row.probability);
    return row;
  });
  return {
    name: str(c.name),
    objective: c.objective ?? base.objective,
    metric: str(c.metric ?? base.metric),
    populationSize: str(c.populationSize ?? base.populationSize),
    maxGenerations: str(c.stop?.maxGenerations ?? base.maxGenerations),
    target: str(c.stop?.target),
    maxJobs: str(c.stop?.maxJobs),
    mode: c.mode ?? base.mode,
    syncQuorum: str(c.syncQuorum ?? base.syncQuorum),
    failedMembers: c.failedMembers ?? base.failedMembers,
    checkpointRetain: c.checkpoints?.retain ?? base.checkpointRetain,
    keepLast: str(c.checkpoints?.keepLast),
    exploit: c.exploit?.kind ?? base.exploit,
    fraction: str(c.exploit?.fraction ?? base.fraction),
    leaseSeconds: str(c.leaseSeconds ?? base.leaseSeconds),
    maxRetries: str(c.maxRetries ?? base.maxRetries),
    seed: str(c.seed),
    search: c.explore?.kind === "pb2" ? "pb2" : "pbt",
    forkJobId: str(c.fork?.jobId),
    hyperparameters: rows,
  };
}
