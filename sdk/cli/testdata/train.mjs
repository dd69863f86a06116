// A stand-in training script for `lineage run` tests: reads --x, reports a score peaking at x = 3.
const args = process.argv.slice(2);
const x = Number(args[args.indexOf("--x") + 1]);
if (process.env.FAIL_ALWAYS) process.exit(3);
const previous = JSON.parse(process.env.LINEAGE_RESULTS ?? "{}");
const step = (previous.step ?? 0) + 1;
console.log(`training with x=${x} (job ${process.env.LINEAGE_JOB_ID})`);
console.log(`LINEAGE_METRICS ${JSON.stringify({ step, score: -((x - 3) ** 2) })}`);
console.log(`LINEAGE_RESULTS ${JSON.stringify({ score: -((x - 3) ** 2), step, model_path: `/ckpt/${process.env.LINEAGE_JOB_ID}` })}`);
