import type { RouterOutputs } from "../trpc";

export type Overview = RouterOutputs["dashboard"]["overview"];
export type Curves = RouterOutputs["dashboard"]["curves"];
export type JobNode = Overview["jobs"][number];
export type MemberRow = Overview["members"][number];
export type ExperimentConfig = Overview["experiment"]["config"];
