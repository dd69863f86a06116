// A stand-in training script for `lineage run` with checkpoints on the server: loads the file
// given as --load (empty in generation 0), saves {job, loadedFrom, step} to --save.
import { readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(`--${name}`) + 1];
const x = Number(arg("x"));
const load = arg("load");
const loaded = load ? JSON.parse(readFileSync(load, "utf8")) : null;
const step = (loaded?.step ?? 0) + 1;
writeFileSync(arg("save"), JSON.stringify({ job: Number(process.env.LINEAGE_JOB_ID), loadedFrom: loaded?.job ?? null, step }));
console.log(`LINEAGE_RESULTS ${JSON.stringify({ score: -((x - 3) ** 2), step })}`);
