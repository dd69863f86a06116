// A stand-in training script for `lineage run` tests: reads --x, reports a score peaking at x = 3.
// FAIL_ALWAYS: exit 3. FORGET_SCORE: report no score after generation 0. DIVERGE: report the
// score as Python's json.dumps writes NaN (a bare NaN, which is not JSON).
const args = process.argv.slice(2);
const x = Number(args[args.indexOf("--x") + 1]);
if (process.env.FAIL_ALWAYS) process.exit(3);
const previous = JSON.parse(process.env.LINEAGE_RESULTS ?? "{}");
const step = (previous.step ?? 0) + 1;
const score = -((x - 3) ** 2);
console.log(`training with x=${x} (job ${process.env.LINEAGE_JOB_ID})`);
if (process.env.DIVERGE) {
  console.log(`LINEAGE_METRICS {"step": ${step}, "loss": NaN, "score": -Infinity}`);
  console.log(`LINEAGE_RESULTS {"score": NaN, "step": ${step}, "note": "NaN in a string stays"}`);
} else {
  console.log(`LINEAGE_METRICS ${JSON.stringify({ step, score })}`);
  const results = { score, step, model_path: `/ckpt/${process.env.LINEAGE_JOB_ID}` };
  if (process.env.FORGET_SCORE && process.env.LINEAGE_GENERATION !== "0") delete results.score;
  console.log(`LINEAGE_RESULTS ${JSON.stringify(results)}`);
}
