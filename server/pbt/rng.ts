// The seeded randomness every PBT decision draws from. Nothing in the engine touches
// Math.random: an experiment's seed and the identity of a decision fully determine its outcome,
// so a run can be replayed and a test can pin a result.

export interface Rng {
  /** Uniform in [0, 1), with 53 bits of resolution. */
  next(): number;
  /** Uniform integer in [low, high], both inclusive. */
  int(low: number, high: number): number;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
}

const TWO_POW_26 = 67_108_864;
const TWO_POW_32 = 4_294_967_296;
const TWO_POW_53 = 9_007_199_254_740_992;

/**
 * Builds the Rng methods on top of any source of uniform [0, 1) numbers. Shared by the real
 * generator and by tests that script exact draws, so both go through the same int/normal code.
 */
export function rngFromUniform(next: () => number): Rng {
  return {
    next,
    int(low, high) {
      if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low > high) {
        throw new RangeError(`int(${low}, ${high}) needs integer bounds with low <= high`);
      }
      // next() < 1 by at least 2^-53, so next() * span stays below span for any safe span.
      return low + Math.floor(next() * (high - low + 1));
    },
    normal() {
      // Box–Muller. 1 - next() lies in (0, 1], so the logarithm is finite.
      const u1 = 1 - next();
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
  };
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): small state, passes PractRand. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

/** splitmix32: spreads a single 32-bit seed over sfc32's 128-bit state. */
function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state ^ (state >>> 16);
    z = Math.imul(z, 0x21f0aaad);
    z ^= z >>> 15;
    z = Math.imul(z, 0x735a2d97);
    z ^= z >>> 15;
    return z >>> 0;
  };
}

function fromState(a: number, b: number, c: number, d: number): Rng {
  const next32 = sfc32(a, b, c, d);
  // sfc32's first outputs still carry visible structure from the seed; mixing them away costs
  // a few nanoseconds per decision.
  for (let i = 0; i < 12; i++) next32();
  return rngFromUniform(() => {
    const high = next32() >>> 5; // 27 bits
    const low = next32() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  });
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
}

export function createRng(seed: number): Rng {
  checkSeed(seed);
  // Fold the bits above 32 in too, so distinct safe-integer seeds give distinct streams.
  const mix = splitmix32((seed >>> 0) ^ splitmix32(Math.floor(seed / TWO_POW_32) >>> 0)());
  return fromState(mix(), mix(), mix(), mix());
}

/**
 * cyrb128: four independent 32-bit murmur-style hashes of a string, i.e. a 128-bit digest that
 * can seed sfc32 directly.
 */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * An independent stream for one decision, e.g. `rngFor(seed, "exploit", member, generation)`.
 * Deriving the stream from the decision's identity (instead of drawing from one shared stream)
 * means a decision's outcome does not depend on which other decisions happened before it —
 * workers ask in whatever order the network delivers them.
 */
export function rngFor(seed: number, ...keys: (string | number)[]): Rng {
  checkSeed(seed);
  // JSON keeps keys apart unambiguously: ("a", 1) ≠ ("a1") ≠ ("a", "1").
  const [a, b, c, d] = cyrb128(JSON.stringify([seed, ...keys]));
  return fromState(a, b, c, d);
}
