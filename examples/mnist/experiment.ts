// The seed's experiment: MNIST with PBT. Maximise max_accuracy (the best validation accuracy
// along a member's lineage); truncation selection (the bottom 20 % copy the top 20 %); explore
// perturbs the learning rate and the dropout rate; the layer size and the activation are drawn
// once per member and travel with the weights when a member is copied.
import type { ExperimentConfigInput } from "../../server/pbt/config";

export const DEFAULT_EXPERIMENT_NAME = "MNIST with PBT";

export interface MnistExperimentOptions {
  name?: string;
  populationSize?: number;
  maxGenerations?: number;
  seed?: number;
  leaseSeconds?: number;
}

export function mnistExperiment(options: MnistExperimentOptions = {}): ExperimentConfigInput {
  return {
    name: options.name ?? DEFAULT_EXPERIMENT_NAME,
    objective: "maximize",
    metric: "max_accuracy",
    populationSize: options.populationSize ?? 8,
    stop: { maxGenerations: options.maxGenerations ?? 15 },
    mode: "async",
    exploit: { kind: "truncate", fraction: 0.2 },
    hyperparameters: {
      learning_rate: { init: { kind: "loguniform", low: 0.001, high: 0.5 }, explore: { kind: "perturb", minFactor: 0.8, maxFactor: 1.2 } },
      dropout_rate: { init: { kind: "uniform", low: 0, high: 0.5 }, explore: { kind: "perturb", minFactor: 0.8, maxFactor: 1.2 } },
      hidden_units: { init: { kind: "choice", values: [32, 64, 128] } },
      activation: { init: { kind: "choice", values: ["relu", "tanh"] } },
    },
    leaseSeconds: options.leaseSeconds ?? 120,
    maxRetries: 3,
    seed: options.seed ?? 2017,
  };
}
