// The MNIST worker: asks Lineage for jobs, trains the job's slice of MNIST with the job's
// hyperparameters, and reports. Each job
//   - reloads the weights it continues from (after an exploit, the donor's): by default from the
//     server (job.loadCheckpoint(), which downloads them), or with --checkpoint-dir from the
//     file at `job.results.model_path` on a shared file system; generation 0 starts from random
//     weights;
//   - trains `--examples-per-job` examples in mini-batches, evaluating on the validation set every
//     `--log-every` examples and logging { accuracy, loss, train_accuracy, train_loss } at steps
//     (mini-batches) that count on across generations;
//   - saves the weights: uploaded to the server (job.saveCheckpoint()), or with --checkpoint-dir
//     to a new file <checkpoint dir>/job-<id>.bin named in the results as model_path; and
//     completes with { max_accuracy, accuracy, loss, step, examples_seen }: max_accuracy is the
//     best validation accuracy along this member's lineage (the experiment's metric).
//
//   tsx examples/mnist/worker.ts --experiment "MNIST with PBT" [--url http://127.0.0.1:3000]
//       [--checkpoint-dir DIR (a shared file system instead of the server)] [--examples-per-job 4000]
//       [--batch-size 32] [--log-every 1000] [--max-jobs N] [--quiet]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { CLASSES, IMAGE_SIZE, loadMnist, trainingSlice } from "./data";
import { Client, runWorker, type Job } from "../../sdk";
import { ACTIVATIONS, Mlp, Sgd, createRng, type Activation } from "./model";

/** What training needs of a job (the SDK's Job, or a stand-in in tests). */
export type TrainingJob = Pick<Job, "id" | "member" | "generation" | "hyperparameters" | "results" | "log" | "loadCheckpoint" | "saveCheckpoint">;

export interface MnistSettings {
  /**
   * Folder of this experiment's checkpoints, shared by all workers (the path-in-results way: each
   * job names its file as model_path). Unset: checkpoints go through the server.
   */
  checkpointDir?: string;
  /** Training examples per job (the training set has 8,000: 4,000 is half an epoch). */
  examplesPerJob: number;
  batchSize: number;
  /** Evaluate on the validation set and log a metric point every this many examples. */
  logEvery: number;
  /** Evaluate on the first N validation examples only (tests); default all 2,000. */
  validationLimit?: number;
  /** Called after each job with a one-line summary. */
  onJobDone?: (line: string) => void;
}

export type MnistResults = {
  max_accuracy: number;
  accuracy: number;
  loss: number | null;
  /** With a checkpoint folder only. */
  model_path?: string;
  step: number;
  examples_seen: number;
};

export const defaultCheckpointDir = (experiment: string) => path.resolve(process.env.LINEAGE_DATA_DIR || ".lineage", "checkpoints", experiment);

/** The hyperparameters a job trains with, checked (the experiment's names; see experiment.ts). */
export function readHyperparameters(h: Record<string, unknown>) {
  const number = (name: string, fallback?: number): number => {
    const value = h[name] ?? fallback;
    if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`hyperparameter ${name} must be a number, got ${JSON.stringify(h[name])}`);
    return value;
  };
  const activation = (h.activation ?? "relu") as Activation;
  if (!ACTIVATIONS.includes(activation))
    throw new Error(`hyperparameter activation must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(activation)}`);
  const hidden = number("hidden_units", 64);
  if (!Number.isInteger(hidden) || hidden < 1 || hidden > 4096) throw new Error(`hyperparameter hidden_units must be an integer in 1..4096, got ${hidden}`);
  return {
    learningRate: number("learning_rate"),
    dropoutRate: number("dropout_rate", 0),
    momentum: number("momentum", 0),
    hidden,
    activation,
  };
}

/** The training function: one job in, its results out (what `runWorker` drives). */
export function makeTrain(settings: MnistSettings) {
  return async function train(job: TrainingJob): Promise<MnistResults> {
    const hp = readHyperparameters(job.hyperparameters);
    const { train: trainSet, validation } = loadMnist();
    const previous = job.results;
    let model: Mlp;
    // What this job continues from: the file its parent (or donor) named, or the server's copy.
    const from = settings.checkpointDir !== undefined ? (typeof previous.model_path === "string" ? previous.model_path : null) : await job.loadCheckpoint();
    if (from !== null) {
      model = Mlp.load(from);
      if (model.shape.hidden !== hp.hidden || model.shape.activation !== hp.activation) {
        throw new Error(`checkpoint ${from} has ${model.shape.hidden} ${model.shape.activation} units but the job asks for ${hp.hidden} ${hp.activation}`);
      }
    } else {
      model = Mlp.random({ inputs: IMAGE_SIZE, hidden: hp.hidden, outputs: CLASSES, activation: hp.activation }, createRng(job.id * 7919 + job.member));
    }
    const sgd = new Sgd(model, { learningRate: hp.learningRate, momentum: hp.momentum, dropoutRate: hp.dropoutRate }, createRng(job.id * 104729 + 1));

    let step = typeof previous.step === "number" ? previous.step : 0;
    let examplesSeen = typeof previous.examples_seen === "number" ? previous.examples_seen : 0;
    let maxAccuracy = typeof previous.max_accuracy === "number" ? previous.max_accuracy : 0;
    const slice = trainingSlice(trainSet, examplesSeen, settings.examplesPerJob);
    let last = { accuracy: 0, loss: NaN };
    let trainLoss = 0;
    let trainCorrect = 0;
    let trainCount = 0;
    let sinceLog = 0;
    for (let start = 0; start < slice.length; start += settings.batchSize) {
      const batch = slice.subarray(start, Math.min(start + settings.batchSize, slice.length));
      const { loss, correct } = sgd.step(trainSet, batch);
      step++;
      trainLoss += loss * batch.length;
      trainCorrect += correct;
      trainCount += batch.length;
      sinceLog += batch.length;
      const end = start + batch.length >= slice.length;
      if (sinceLog >= settings.logEvery || end) {
        last = model.evaluate(validation, settings.validationLimit);
        if (last.accuracy > maxAccuracy) maxAccuracy = last.accuracy;
        // A diverged run's NaN loss is sent as "NaN" (the SDK writes non-finite values that way).
        await job.log(step, { accuracy: last.accuracy, loss: last.loss, train_accuracy: trainCorrect / trainCount, train_loss: trainLoss / trainCount });
        trainLoss = trainCorrect = trainCount = sinceLog = 0;
        // Let heartbeats and signals through between chunks of training.
        await new Promise((r) => setImmediate(r));
      }
    }
    examplesSeen += slice.length;
    let modelPath: string | undefined;
    if (settings.checkpointDir !== undefined) {
      modelPath = path.join(settings.checkpointDir, `job-${job.id}.bin`);
      model.save(modelPath);
    } else {
      // Written locally, uploaded, and gone: the server holds it while a later job may load it.
      const folder = mkdtempSync(path.join(os.tmpdir(), "lineage-mnist-"));
      try {
        model.save(path.join(folder, "model.bin"));
        await job.saveCheckpoint(path.join(folder, "model.bin"));
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    }
    settings.onJobDone?.(
      `job ${job.id} (member ${job.member}, generation ${job.generation}): accuracy ${last.accuracy.toFixed(4)}, max ${maxAccuracy.toFixed(4)}` +
        ` [lr ${hp.learningRate.toPrecision(3)}, dropout ${hp.dropoutRate.toFixed(2)}, ${hp.hidden} ${hp.activation}]`,
    );
    return {
      max_accuracy: maxAccuracy,
      accuracy: last.accuracy,
      loss: last.loss,
      ...(modelPath !== undefined ? { model_path: modelPath } : {}),
      step,
      examples_seen: examplesSeen,
    };
  };
}

const USAGE = `usage: npx tsx examples/mnist/worker.ts --experiment NAME [options]
An MNIST worker (npm run demo starts several): asks the server for jobs until the experiment is done.
  --experiment NAME        the experiment to work on (required; examples/mnist/experiment.ts's config)
  --url URL                the server (default: $LINEAGE_URL or http://127.0.0.1:3000)
  --worker-id ID           how the dashboard names this worker (default mnist-<pid>)
  --checkpoint-dir DIR     save weights there, on a file system every worker shares (default:
                           through the server: job.loadCheckpoint / job.saveCheckpoint)
  --examples-per-job N     training examples per job (default 4000)
  --batch-size N           mini-batch size (default 32)
  --log-every N            a metric point every N examples (default 1000)
  --validation-limit N     validate on the first N held-out digits only (default: all)
  --max-jobs N             stop after N jobs
  --quiet                  no line per finished job
  -h, --help               this text`;

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        url: { type: "string", default: process.env.LINEAGE_URL ?? "http://127.0.0.1:3000" },
        experiment: { type: "string" },
        "worker-id": { type: "string", default: `mnist-${process.pid}` },
        "checkpoint-dir": { type: "string" },
        "examples-per-job": { type: "string", default: "4000" },
        "batch-size": { type: "string", default: "32" },
        "log-every": { type: "string", default: "1000" },
        "validation-limit": { type: "string" },
        "max-jobs": { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const args = parsed.values;
  if (args.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name: keyof typeof args) => {
    const value = Number(args[name]);
    if (!Number.isInteger(value) || value < 1) {
      console.error(`--${name} must be a positive integer, got ${String(args[name])}`);
      process.exit(2);
    }
    return value;
  };
  if (!args.experiment) {
    console.error(`--experiment is required\n${USAGE}`);
    process.exit(2);
  }
  const experiment = args.experiment;
  const train = makeTrain({
    checkpointDir: args["checkpoint-dir"] === undefined ? undefined : path.resolve(args["checkpoint-dir"]),
    examplesPerJob: positive("examples-per-job"),
    batchSize: positive("batch-size"),
    logEvery: positive("log-every"),
    validationLimit: args["validation-limit"] ? positive("validation-limit") : undefined,
    onJobDone: args.quiet ? undefined : (line) => console.log(`[${args["worker-id"]}] ${line}`),
  });
  // Stopped by the demo (or Ctrl-C): the job in hand is given back at once rather than when its
  // lease runs out.
  const stop = new AbortController();
  process.once("SIGTERM", () => stop.abort("SIGTERM"));
  process.once("SIGINT", () => stop.abort("SIGINT"));
  const jobs = await runWorker(await new Client({ url: args.url }).getExperiment(experiment), train, {
    workerId: args["worker-id"],
    maxJobs: args["max-jobs"] ? positive("max-jobs") : undefined,
    signal: stop.signal,
  });
  if (!args.quiet)
    console.log(`[${args["worker-id"]}] stopping after ${jobs} jobs${stop.signal.aborted ? ` (${String(stop.signal.reason)})` : ": the experiment is done"}`);
  process.exit(0);
}
