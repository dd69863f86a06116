// Test support only (not exported from the engine's index): an Rng that returns a scripted
// sequence of uniform draws, so a test can steer each branch of a random decision exactly.
// It shares int() and normal() with the real generator, so the scripts mean the same thing.
import { rngFromUniform, type Rng } from "./rng";

export function scriptedRng(draws: number[]): Rng & { remaining(): number } {
  let position = 0;
  const rng = rngFromUniform(() => {
    const draw = draws[position];
    // Running out means the code under test drew more often than the test expected.
    if (draw === undefined) throw new Error(`scripted rng ran out after ${draws.length} draws`);
    position++;
    return draw;
  });
  return { ...rng, remaining: () => draws.length - position };
}
